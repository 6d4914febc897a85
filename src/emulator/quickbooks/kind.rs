//! The entity types the emulated company serves, with their per-type rules:
//! wire name, URL resource, Id sequence, which properties are queryable, which
//! are server-managed, and which nested structure each property has.

use super::schema;
use serde::{Deserialize, Serialize};

/// An emulated QBO entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `Customer` (name list).
    Customer,
    /// `Vendor` (name list).
    Vendor,
    /// `Employee` (name list).
    Employee,
    /// `Item` (product or service).
    Item,
    /// `Account` (chart of accounts).
    Account,
    /// `Term` (payment terms).
    Term,
    /// `TaxCode` (read-only).
    TaxCode,
    /// `Invoice`.
    Invoice,
    /// `SalesReceipt`.
    SalesReceipt,
    /// `Payment`.
    Payment,
    /// `Preferences` (singleton).
    Preferences,
    /// `CompanyInfo` (singleton).
    CompanyInfo,
}

/// Which Id counter an entity type draws from. QBO numbers the people lists
/// (customers, vendors, employees) from one sequence and all transactions from
/// another, as the recorded sandbox Ids show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IdSpace {
    /// Customer, Vendor, Employee.
    Names,
    /// Item.
    Item,
    /// Account.
    Account,
    /// Term.
    Term,
    /// TaxCode.
    TaxCode,
    /// Invoice, SalesReceipt, Payment.
    Txn,
}

/// Properties every entity may carry (the `IntuitEntity` part).
const META_FILTERS: &[&str] = &["Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"];

impl Kind {
    /// Every table-backed kind (singletons excluded).
    pub const TABLES: [Kind; 10] = [
        Kind::Customer,
        Kind::Vendor,
        Kind::Employee,
        Kind::Item,
        Kind::Account,
        Kind::Term,
        Kind::TaxCode,
        Kind::Invoice,
        Kind::SalesReceipt,
        Kind::Payment,
    ];

    /// All kinds.
    pub const ALL: [Kind; 12] = [
        Kind::Customer,
        Kind::Vendor,
        Kind::Employee,
        Kind::Item,
        Kind::Account,
        Kind::Term,
        Kind::TaxCode,
        Kind::Invoice,
        Kind::SalesReceipt,
        Kind::Payment,
        Kind::Preferences,
        Kind::CompanyInfo,
    ];

    /// The wire name (`Customer`), used as JSON key and in queries.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Customer => "Customer",
            Kind::Vendor => "Vendor",
            Kind::Employee => "Employee",
            Kind::Item => "Item",
            Kind::Account => "Account",
            Kind::Term => "Term",
            Kind::TaxCode => "TaxCode",
            Kind::Invoice => "Invoice",
            Kind::SalesReceipt => "SalesReceipt",
            Kind::Payment => "Payment",
            Kind::Preferences => "Preferences",
            Kind::CompanyInfo => "CompanyInfo",
        }
    }

    /// Exact (case-sensitive) wire name lookup, as the query grammar requires.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Case-insensitive lookup (CDC's `entities` list, the in-process API).
    pub fn from_name_ci(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
    }

    /// The URL resource (`/v3/company/{realm}/customer`): the lower-case name.
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Vendor => "vendor",
            Kind::Employee => "employee",
            Kind::Item => "item",
            Kind::Account => "account",
            Kind::Term => "term",
            Kind::TaxCode => "taxcode",
            Kind::Invoice => "invoice",
            Kind::SalesReceipt => "salesreceipt",
            Kind::Payment => "payment",
            Kind::Preferences => "preferences",
            Kind::CompanyInfo => "companyinfo",
        }
    }

    /// Resource lookup (URIs are case-sensitive: lower case only).
    pub fn from_resource(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.resource() == s)
    }

    /// The Id sequence this kind uses.
    pub fn id_space(self) -> IdSpace {
        match self {
            Kind::Customer | Kind::Vendor | Kind::Employee => IdSpace::Names,
            Kind::Item => IdSpace::Item,
            Kind::Account => IdSpace::Account,
            Kind::Term => IdSpace::Term,
            Kind::TaxCode => IdSpace::TaxCode,
            _ => IdSpace::Txn,
        }
    }

    /// Name-list entities: never deleted (deactivated and renamed instead) and
    /// hidden from queries when inactive unless the query states `Active`.
    pub fn is_name_list(self) -> bool {
        matches!(
            self,
            Kind::Customer
                | Kind::Vendor
                | Kind::Employee
                | Kind::Item
                | Kind::Account
                | Kind::Term
        )
    }

    /// People lists whose `DisplayName` is unique across all three.
    pub fn is_person(self) -> bool {
        matches!(self, Kind::Customer | Kind::Vendor | Kind::Employee)
    }

    /// Transactions (deleted with `operation=delete`, leave CDC tombstones).
    pub fn is_txn(self) -> bool {
        matches!(self, Kind::Invoice | Kind::SalesReceipt | Kind::Payment)
    }

    /// Singletons (`Id` "1", one row per company).
    pub fn is_singleton(self) -> bool {
        matches!(self, Kind::Preferences | Kind::CompanyInfo)
    }

    /// All properties of the type in wire order (generated from the XSD).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Customer => schema::CUSTOMER,
            Kind::Vendor => schema::VENDOR,
            Kind::Employee => schema::EMPLOYEE,
            Kind::Item => schema::ITEM,
            Kind::Account => schema::ACCOUNT,
            Kind::Term => schema::TERM,
            Kind::TaxCode => schema::TAXCODE,
            Kind::Invoice => schema::INVOICE,
            Kind::SalesReceipt => schema::SALESRECEIPT,
            Kind::Payment => schema::PAYMENT,
            Kind::Preferences => schema::PREFERENCES,
            Kind::CompanyInfo => schema::COMPANYINFO,
        }
    }

    /// The property holding the entity's name (the unique, renamed-on-delete one).
    pub fn name_field(self) -> Option<&'static str> {
        match self {
            Kind::Customer | Kind::Vendor | Kind::Employee => Some("DisplayName"),
            Kind::Item | Kind::Account | Kind::Term | Kind::TaxCode => Some("Name"),
            _ => None,
        }
    }

    /// The property the default query order sorts on (byte order, then Id):
    /// the recorded sandbox lists come back sorted by `FullyQualifiedName`
    /// (customers: `Freeman Sporting Goods:0969 Ocean View Road` after its parent)
    /// or `DisplayName` (vendors, employees; `PG&E` before `Pam Seitz`).
    pub fn sort_field(self) -> Option<&'static str> {
        match self {
            Kind::Customer | Kind::Item | Kind::Account => Some("FullyQualifiedName"),
            Kind::Vendor | Kind::Employee => Some("DisplayName"),
            Kind::Term | Kind::TaxCode => Some("Name"),
            _ => None,
        }
    }

    /// Properties usable in a query `WHERE` clause (dotted paths).
    pub fn filterable(self) -> Vec<&'static str> {
        let own: &[&str] = match self {
            Kind::Customer => &[
                "DisplayName",
                "GivenName",
                "MiddleName",
                "FamilyName",
                "CompanyName",
                "PrimaryEmailAddr",
                "Active",
                "Balance",
                "PrintOnCheckName",
                "FullyQualifiedName",
                "Job",
                "ParentRef",
            ],
            Kind::Vendor => &[
                "DisplayName",
                "GivenName",
                "MiddleName",
                "FamilyName",
                "CompanyName",
                "PrimaryEmailAddr",
                "Active",
                "Balance",
                "PrintOnCheckName",
            ],
            Kind::Employee => &[
                "DisplayName",
                "GivenName",
                "MiddleName",
                "FamilyName",
                "PrimaryEmailAddr",
                "Active",
                "PrintOnCheckName",
            ],
            Kind::Item => &[
                "Name",
                "Active",
                "Type",
                "Sku",
                "FullyQualifiedName",
                "ParentRef",
            ],
            Kind::Account => &[
                "Name",
                "Active",
                "AccountType",
                "AccountSubType",
                "Classification",
                "FullyQualifiedName",
                "SubAccount",
                "CurrentBalance",
            ],
            Kind::Term => &["Name", "Active", "Type", "DueDays"],
            Kind::TaxCode => &["Name", "Active", "Taxable", "TaxGroup"],
            Kind::Invoice => &[
                "DocNumber",
                "TxnDate",
                "DueDate",
                "CustomerRef",
                "SalesTermRef",
                "Balance",
                "TotalAmt",
                "ClassRef",
                "DepartmentRef",
                "EmailStatus",
                "PrintStatus",
            ],
            Kind::SalesReceipt => &[
                "DocNumber",
                "TxnDate",
                "CustomerRef",
                "TotalAmt",
                "ClassRef",
                "DepartmentRef",
            ],
            Kind::Payment => &["TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum"],
            Kind::Preferences | Kind::CompanyInfo => &[],
        };
        META_FILTERS.iter().chain(own.iter()).copied().collect()
    }

    /// Properties usable in `ORDERBY` (filterable ones plus a few sort-only ones).
    pub fn sortable(self) -> Vec<&'static str> {
        let mut v = self.filterable();
        if self == Kind::Item {
            v.extend(["UnitPrice", "QtyOnHand", "PurchaseCost"]);
        }
        v
    }

    /// Properties the server computes; accepted in request bodies (clients echo
    /// them back) but ignored.
    pub fn server_managed(self) -> &'static [&'static str] {
        match self {
            Kind::Customer => &[
                "FullyQualifiedName",
                "Level",
                "BalanceWithJobs",
                "RootCustomerRef",
                "OverDueBalance",
                "TotalRevenue",
                "TotalExpense",
            ],
            Kind::Vendor | Kind::Employee => &["FullyQualifiedName", "Balance"],
            Kind::Item => &["FullyQualifiedName", "Level", "AvgCost"],
            Kind::Account => &[
                "FullyQualifiedName",
                "CurrentBalance",
                "CurrentBalanceWithSubAccounts",
                "Classification",
            ],
            Kind::Invoice | Kind::SalesReceipt => &[
                "TotalAmt",
                "HomeTotalAmt",
                "Balance",
                "HomeBalance",
                "LinkedTxn",
                "DeliveryInfo",
                "InvoiceLink",
            ],
            Kind::Payment => &["UnappliedAmt", "LinkedTxn"],
            _ => &[],
        }
    }

    /// Whether the kind can be read in CDC.
    pub fn in_cdc(self) -> bool {
        !matches!(self, Kind::CompanyInfo)
    }
}

/// The nested structure (its keys in wire order) a property of any entity has,
/// when the emulator knows it. Unknown keys inside these are rejected (2010).
pub fn nested_fields(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "BillAddr"
        | "ShipAddr"
        | "OtherAddr"
        | "CompanyAddr"
        | "LegalAddr"
        | "CustomerCommunicationAddr"
        | "PrimaryAddr"
        | "ShipFromAddr" => schema::PHYSICAL_ADDRESS,
        "PrimaryEmailAddr"
        | "BillEmail"
        | "BillEmailCc"
        | "BillEmailBcc"
        | "Email"
        | "CompanyEmailAddr"
        | "CustomerCommunicationEmailAddr"
        | "SalesEmailCc"
        | "SalesEmailBcc" => schema::EMAIL_ADDRESS,
        "PrimaryPhone" | "AlternatePhone" | "Mobile" | "Fax" => schema::TELEPHONE_NUMBER,
        "WebAddr" | "CompanyURL" => schema::WEB_SITE_ADDRESS,
        "MetaData" => schema::MODIFICATION_META_DATA,
        "LinkedTxn" => schema::LINKED_TXN,
        "Line" | "TaxLine" => schema::LINE,
        "SalesItemLineDetail" => schema::SALES_ITEM_LINE_DETAIL,
        "TxnTaxDetail" => schema::TXN_TAX_DETAIL,
        "SalesFormsPrefs" => schema::SALES_FORMS_PREFS,
        "CurrencyPrefs" => schema::CURRENCY_PREFS,
        "TaxPrefs" => schema::TAX_PREFS,
        "DiscountLineDetail" => schema::DISCOUNT_LINE_DETAIL,
        "DescriptionLineDetail" => schema::DESCRIPTION_LINE_DETAIL,
        "SubTotalLineDetail" => schema::SUB_TOTAL_LINE_DETAIL,
        "GroupLineDetail" => schema::GROUP_LINE_DETAIL,
        "TaxLineDetail" => schema::TAX_LINE_DETAIL,
        "PaymentLineDetail" => schema::PAYMENT_LINE_DETAIL,
        "SalesTaxRateList" | "PurchaseTaxRateList" | "AdjustmentTaxRateList" => {
            schema::TAX_RATE_LIST
        }
        "TaxRateDetail" => schema::TAX_RATE_DETAIL,
        "CustomerMemo" => &["value", "id"],
        _ if is_ref(field) => REF_FIELDS,
        _ => return None,
    })
}

/// Keys of a `ReferenceType`: `{"value": "<Id>", "name": "...", "type": ...}`.
pub const REF_FIELDS: &[&str] = &["value", "name", "type"];

/// Whether a property is a `ReferenceType` (`CustomerRef`, `HomeCurrency`, ...).
pub fn is_ref(field: &str) -> bool {
    field.ends_with("Ref") || field == "HomeCurrency" || field == "DefaultTerms"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_resources_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(k));
            assert_eq!(Kind::from_resource(k.resource()), Some(k));
            assert_eq!(Kind::from_name_ci(&k.name().to_lowercase()), Some(k));
        }
        assert_eq!(Kind::from_name("customer"), None);
        assert_eq!(Kind::from_name("Custmoer"), None);
    }

    #[test]
    fn field_lists_follow_recorded_key_order() {
        let pos = |k: Kind, f: &str| k.fields().iter().position(|x| *x == f).unwrap();
        // Recorded customer: Taxable ... PreferredDeliveryMethod, domain, sparse, Id,
        // SyncToken, MetaData, GivenName ... Active, PrimaryPhone, DefaultTaxCodeRef.
        let order = [
            "Taxable",
            "BillAddr",
            "Job",
            "Balance",
            "CurrencyRef",
            "PreferredDeliveryMethod",
            "domain",
            "sparse",
            "Id",
            "SyncToken",
            "MetaData",
            "GivenName",
            "FullyQualifiedName",
            "DisplayName",
            "PrintOnCheckName",
            "Active",
            "PrimaryPhone",
            "PrimaryEmailAddr",
            "DefaultTaxCodeRef",
        ];
        for w in order.windows(2) {
            assert!(
                pos(Kind::Customer, w[0]) < pos(Kind::Customer, w[1]),
                "{w:?}"
            );
        }
        let inv = [
            "AllowIPNPayment",
            "domain",
            "Id",
            "MetaData",
            "DocNumber",
            "TxnDate",
            "CurrencyRef",
            "LinkedTxn",
            "Line",
            "TxnTaxDetail",
            "CustomerRef",
            "BillAddr",
            "DueDate",
            "TotalAmt",
            "PrintStatus",
            "EmailStatus",
            "Balance",
        ];
        for w in inv.windows(2) {
            assert!(pos(Kind::Invoice, w[0]) < pos(Kind::Invoice, w[1]), "{w:?}");
        }
    }
}
