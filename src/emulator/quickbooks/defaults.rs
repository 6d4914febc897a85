//! What a fresh company contains: CompanyInfo (US), Preferences (custom
//! transaction numbers off, USD home currency, multicurrency off, sales tax on),
//! a small chart of accounts, the usual terms, tax codes, the "Services" item,
//! one vendor and one employee.

use super::kind::Kind;
use super::store::Realm;
use super::table::Row;
use super::value::{Obj, ts};
use super::write::finish;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Default company UTC offset (`-07:00`, as in the recorded sandbox traffic).
pub(crate) const DEFAULT_UTC_OFFSET: i32 = -7 * 3600;

/// Store `obj` verbatim as entity `id` (envelope filled, keys in wire order).
pub(crate) fn raw(realm: &mut Realm, kind: Kind, id: u64, obj: Value, now: DateTime<Utc>) {
    let o: Obj = match obj {
        Value::Object(o) => o,
        _ => Obj::new(),
    };
    let stamp = ts(now, realm.utc_offset);
    realm.put(kind, Row::new(finish(kind, o, id, 0, &stamp, &stamp)));
}

fn preferences(now: &str) -> Row {
    let o = json!({
        "AccountingInfoPrefs": {
            "UseAccountNumbers": false, "TrackDepartments": false, "ClassTrackingPerTxn": false,
            "ClassTrackingPerTxnLine": false, "FirstMonthOfFiscalYear": "January",
            "TaxYearMonth": "January", "CustomerTerminology": "Customers"
        },
        "ProductAndServicesPrefs": {
            "ForSales": true, "ForPurchase": true, "QuantityWithPriceAndRate": true, "QuantityOnHand": true
        },
        "SalesFormsPrefs": {
            "CustomTxnNumbers": false, "AllowDeposit": false, "AllowDiscount": true,
            "AllowEstimates": true, "ETransactionEnabledStatus": "Enabled", "ETransactionAttachPDF": false,
            "ETransactionPaymentEnabled": false, "IPNSupportEnabled": false, "AllowServiceDate": false,
            "AllowShipping": false, "AutoApplyCredit": true, "AutoApplyPayments": true,
            "UsingPriceLevels": false,
            "DefaultCustomerMessage": "Thank you for your business and have a great day!"
        },
        "EmailMessagesPrefs": {
            "InvoiceMessage": {"Subject": "Invoice from the emulated company",
                "Message": "Here's your invoice! We appreciate your prompt payment."},
            "EstimateMessage": {"Subject": "Estimate from the emulated company",
                "Message": "Please review the estimate below."},
            "SalesReceiptMessage": {"Subject": "Sales Receipt from the emulated company",
                "Message": "Your sales receipt is attached."},
            "StatementMessage": {"Subject": "Statement from the emulated company",
                "Message": "Your statement is attached."}
        },
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": false, "BillableExpenseTracking": false},
        "TimeTrackingPrefs": {
            "UseServices": false, "BillCustomers": false, "ShowBillRateToAll": false,
            "WorkWeekStartDate": "Monday", "MarkTimeEntriesBillable": false
        },
        "TaxPrefs": {"UsingSalesTax": true, "PartnerTaxEnabled": false},
        "CurrencyPrefs": {"MultiCurrencyEnabled": false, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": false},
        "OtherPrefs": {"NameValue": [
            {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
            {"Name": "DateFormat", "Value": "Month Date Year separated by a slash"},
            {"Name": "DateFormatMnemonic", "Value": "MMDDYYYY_SEP_SLASH"},
            {"Name": "NumberFormat", "Value": "US Number Format"},
            {"Name": "NumberFormatMnemonic", "Value": "US_NB"},
            {"Name": "WarnDuplicateCheckNumber", "Value": "true"},
            {"Name": "WarnDuplicateBillNumber", "Value": "false"}
        ]}
    });
    Row::new(finish(
        Kind::Preferences,
        o.as_object().cloned().unwrap_or_default(),
        1,
        0,
        now,
        now,
    ))
}

fn company_info(name: &str, now: &str, date: &str) -> Row {
    let addr = json!({"Id": "1", "Line1": "2600 Marine Way", "City": "Mountain View",
        "CountrySubDivisionCode": "CA", "PostalCode": "94043", "Country": "US"});
    let o = json!({
        "CompanyName": name,
        "LegalName": name,
        "CompanyAddr": addr,
        "CustomerCommunicationAddr": addr,
        "LegalAddr": addr,
        "PrimaryPhone": {},
        "CompanyStartDate": date,
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "noreply@quickbooks.example"},
        "WebAddr": {},
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/Los_Angeles",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Emulated company"},
            {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "PayrollFeature", "Value": "false"},
            {"Name": "AccountantFeature", "Value": "false"}
        ]
    });
    Row::new(finish(
        Kind::CompanyInfo,
        o.as_object().cloned().unwrap_or_default(),
        1,
        0,
        now,
        now,
    ))
}

/// A fresh company `id`, named after its position in the configuration.
pub(crate) fn new_realm(id: &str, position: usize, now: DateTime<Utc>) -> Realm {
    let off = DEFAULT_UTC_OFFSET;
    let stamp = ts(now, off);
    let date = super::value::today(now, off).format("%Y-%m-%d").to_string();
    let name = format!("Sandbox Company_US_{}", position + 1);
    let mut r = Realm::empty(
        id,
        off,
        preferences(&stamp),
        company_info(&name, &stamp, &date),
    );
    r.default_tax_code = Some("2".into());
    let usd = json!({"value": "USD", "name": "United States Dollar"});
    let accounts = [
        ("Services", "Income", "Revenue", "ServiceFeeIncome"),
        (
            "Sales of Product Income",
            "Income",
            "Revenue",
            "SalesOfProductIncome",
        ),
        (
            "Cost of Goods Sold",
            "Cost of Goods Sold",
            "Expense",
            "SuppliesMaterialsCogs",
        ),
        (
            "Undeposited Funds",
            "Other Current Asset",
            "Asset",
            "UndepositedFunds",
        ),
        (
            "Inventory Asset",
            "Other Current Asset",
            "Asset",
            "Inventory",
        ),
        (
            "Accounts Receivable (A/R)",
            "Accounts Receivable",
            "Asset",
            "AccountsReceivable",
        ),
        ("Checking", "Bank", "Asset", "Checking"),
        (
            "Accounts Payable (A/P)",
            "Accounts Payable",
            "Liability",
            "AccountsPayable",
        ),
    ];
    for (i, (name, typ, class, sub)) in accounts.iter().enumerate() {
        raw(
            &mut r,
            Kind::Account,
            i as u64 + 1,
            json!({
                "Name": name, "SubAccount": false, "FullyQualifiedName": name, "Active": true,
                "Classification": class, "AccountType": typ, "AccountSubType": sub,
                "CurrentBalance": 0, "CurrentBalanceWithSubAccounts": 0, "CurrencyRef": usd
            }),
            now,
        );
    }
    for (i, (name, days)) in [
        ("Due on receipt", 0),
        ("Net 15", 15),
        ("Net 30", 30),
        ("Net 60", 60),
    ]
    .iter()
    .enumerate()
    {
        raw(
            &mut r,
            Kind::Term,
            i as u64 + 1,
            json!({
                "Name": name, "Active": true, "Type": "STANDARD", "DueDays": days, "DiscountDays": 0
            }),
            now,
        );
    }
    for (code, taxable) in [("TAX", true), ("NON", false)] {
        let o = json!({"Name": code, "Description": code, "Taxable": taxable, "TaxGroup": false,
            "Id": code, "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}});
        let o = super::value::canonicalize(
            Kind::TaxCode.fields(),
            o.as_object().cloned().unwrap_or_default(),
        );
        r.pseudo_tax_codes.push(Row::new(o));
    }
    raw(
        &mut r,
        Kind::TaxCode,
        2,
        json!({
            "Name": "California", "Description": "California sales tax", "Active": true, "Hidden": false,
            "Taxable": true, "TaxGroup": true,
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1", "name": "California"},
                "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
            "PurchaseTaxRateList": {"TaxRateDetail": []}
        }),
        now,
    );
    raw(
        &mut r,
        Kind::TaxCode,
        3,
        json!({
            "Name": "Out of state", "Description": "Out of state, not taxable", "Active": true,
            "Hidden": false, "Taxable": false, "TaxGroup": false,
            "SalesTaxRateList": {"TaxRateDetail": []},
            "PurchaseTaxRateList": {"TaxRateDetail": []}
        }),
        now,
    );
    raw(
        &mut r,
        Kind::Item,
        1,
        json!({
            "Name": "Services", "Active": true, "FullyQualifiedName": "Services", "Taxable": false,
            "UnitPrice": 0, "Type": "Service", "IncomeAccountRef": {"value": "1", "name": "Services"},
            "PurchaseCost": 0, "TrackQtyOnHand": false
        }),
        now,
    );
    raw(
        &mut r,
        Kind::Vendor,
        1,
        json!({
            "Balance": 0, "Vendor1099": false, "CurrencyRef": usd, "CompanyName": "Emulated Supplies Inc.",
            "DisplayName": "Emulated Supplies Inc.", "PrintOnCheckName": "Emulated Supplies Inc.", "Active": true
        }),
        now,
    );
    raw(
        &mut r,
        Kind::Employee,
        2,
        json!({
            "BillableTime": false, "GivenName": "Emily", "FamilyName": "Emulator",
            "DisplayName": "Emily Emulator", "PrintOnCheckName": "Emily Emulator", "Active": true
        }),
        now,
    );
    r
}
