//! Field lists (in wire key order) generated from Intuit's v3 XSD
//! (`shared/specs/quickbooks/xsd/`), used to put keys in the order QBO prints
//! them and to reject unknown properties (error 2010).
//!
//! The JSON key order QBO emits is: the concrete type's own elements, then the
//! `IntuitEntity` attributes and elements (`domain`, `status`, `sparse`, `Id`,
//! `SyncToken`, `MetaData`, ...), then the elements of the intermediate base types
//! from the root down (`NameBase`, or `Transaction` then `SalesTransaction`).
//! This matches every recorded body (Customer, Vendor, Employee, Account,
//! Invoice, SalesReceipt). Nested types list their own elements first as well.
//!
//! Generated once from the XSD complexType element sequences (own elements of
//! each type, base types resolved through `xs:extension`).

/// Wire key order of `Customer`.
#[rustfmt::skip]
pub(crate) const CUSTOMER: &[&str] = &[
    "Taxable", "BillAddr", "ShipAddr", "OtherAddr", "ContactName", "AltContactName", "Notes",
    "Job", "BillWithParent", "RootCustomerRef", "ParentRef", "Level", "CustomerTypeRef",
    "SalesTermRef", "SalesRepRef", "TaxGroupCodeRef", "TaxRateRef", "PaymentMethodRef",
    "CCDetail", "PriceLevelRef", "Balance", "OpenBalanceDate", "BalanceWithJobs", "CreditLimit",
    "AcctNum", "CurrencyRef", "OverDueBalance", "TotalRevenue", "TotalExpense",
    "PreferredDeliveryMethod", "ResaleNum", "JobInfo", "TDSEnabled", "CustomerEx",
    "SecondaryTaxIdentifier", "ARAccountRef", "PrimaryTaxIdentifier", "TaxExemptionReasonId",
    "IsProject", "BusinessNumber", "GSTIN", "GSTRegistrationType", "IsCISContractor",
    "ClientCompanyId", "ClientEntityId", "Source", "TaxRegime", "domain", "status", "sparse",
    "Id", "SyncToken", "MetaData", "CustomField", "AttachableRef", "IntuitId", "Organization",
    "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "FullyQualifiedName",
    "CompanyName", "DisplayName", "PrintOnCheckName", "UserId", "Active", "V4IDPseudonym",
    "PrimaryPhone", "AlternatePhone", "Mobile", "Fax", "PrimaryEmailAddr", "WebAddr",
    "OtherContactInfo", "DefaultTaxCodeRef",
];

/// Wire key order of `Vendor`.
#[rustfmt::skip]
pub(crate) const VENDOR: &[&str] = &[
    "ContactName", "AltContactName", "Notes", "BillAddr", "ShipAddr", "OtherAddr", "TaxCountry",
    "TaxIdentifier", "TaxIdEffectiveDate", "BusinessNumber", "ParentRef", "VendorTypeRef",
    "TermRef", "PrefillAccountRef", "Balance", "BillRate", "OpenBalanceDate", "CreditLimit",
    "AcctNum", "Vendor1099", "T4AEligible", "T5018Eligible", "CurrencyRef", "TDSEnabled",
    "TDSEntityTypeId", "TDSSectionTypeId", "TDSOverrideThreshold", "TaxReportingBasis",
    "APAccountRef", "VendorEx", "GSTIN", "GSTRegistrationType", "IsSubContractor",
    "SubcontractorType", "CISRate", "HasTPAR", "VendorPaymentBankDetail", "Source", "CostRate",
    "AgencyVerificationStatus", "AgencyVerificationStatusMsg", "AgencyVerificationTSUTC",
    "CompanyRegistrationNumber", "domain", "status", "sparse", "Id", "SyncToken", "MetaData",
    "CustomField", "AttachableRef", "IntuitId", "Organization", "Title", "GivenName",
    "MiddleName", "FamilyName", "Suffix", "FullyQualifiedName", "CompanyName", "DisplayName",
    "PrintOnCheckName", "UserId", "Active", "V4IDPseudonym", "PrimaryPhone", "AlternatePhone",
    "Mobile", "Fax", "PrimaryEmailAddr", "WebAddr", "OtherContactInfo", "DefaultTaxCodeRef",
];

/// Wire key order of `Employee`.
#[rustfmt::skip]
pub(crate) const EMPLOYEE: &[&str] = &[
    "EmployeeType", "EmployeeNumber", "SSN", "PrimaryAddr", "OtherAddr", "BillableTime",
    "BillRate", "BirthDate", "Gender", "HiredDate", "ReleasedDate", "UseTimeEntry",
    "EmployeeEx", "CostRate", "Notes", "domain", "status", "sparse", "Id", "SyncToken",
    "MetaData", "CustomField", "AttachableRef", "IntuitId", "Organization", "Title",
    "GivenName", "MiddleName", "FamilyName", "Suffix", "FullyQualifiedName", "CompanyName",
    "DisplayName", "PrintOnCheckName", "UserId", "Active", "V4IDPseudonym", "PrimaryPhone",
    "AlternatePhone", "Mobile", "Fax", "PrimaryEmailAddr", "WebAddr", "OtherContactInfo",
    "DefaultTaxCodeRef",
];

/// Wire key order of `Item`.
#[rustfmt::skip]
pub(crate) const ITEM: &[&str] = &[
    "Name", "Sku", "Description", "Active", "SubItem", "ParentRef", "Level",
    "FullyQualifiedName", "Taxable", "SalesTaxIncluded", "PercentBased", "UnitPrice",
    "RatePercent", "Type", "PaymentMethodRef", "UOMSetRef", "IncomeAccountRef", "PurchaseDesc",
    "PurchaseTaxIncluded", "PurchaseCost", "ExpenseAccountRef", "COGSAccountRef",
    "AssetAccountRef", "PrefVendorRef", "AvgCost", "TrackQtyOnHand", "QtyOnHand",
    "QtyOnPurchaseOrder", "QtyOnSalesOrder", "ReorderPoint", "ManPartNum",
    "DepositToAccountRef", "SalesTaxCodeRef", "PurchaseTaxCodeRef", "InvStartDate",
    "BuildPoint", "PrintGroupedItems", "SpecialItem", "SpecialItemType", "ItemGroupDetail",
    "ItemAssemblyDetail", "AbatementRate", "ReverseChargeRate", "ServiceType",
    "ItemCategoryType", "ItemEx", "TaxClassificationRef", "UQCDisplayText", "UQCId", "ClassRef",
    "Source", "DeferredRevenue", "CustomExtensions", "domain", "status", "sparse", "Id",
    "SyncToken", "MetaData", "CustomField", "AttachableRef",
];

/// Wire key order of `Account`.
#[rustfmt::skip]
pub(crate) const ACCOUNT: &[&str] = &[
    "Name", "SubAccount", "ParentRef", "Description", "FullyQualifiedName", "AccountAlias",
    "TxnLocationType", "Active", "Classification", "AccountType", "AccountSubType",
    "AccountPurposes", "AcctNum", "AcctNumExtn", "BankNum", "OpeningBalance",
    "OpeningBalanceDate", "CurrentBalance", "CurrentBalanceWithSubAccounts", "CurrencyRef",
    "TaxAccount", "TaxCodeRef", "OnlineBankingEnabled", "FIName", "JournalCodeRef", "AccountEx",
    "domain", "status", "sparse", "Id", "SyncToken", "MetaData", "CustomField", "AttachableRef",
];

/// Wire key order of `Term`.
#[rustfmt::skip]
pub(crate) const TERM: &[&str] = &[
    "Name", "Active", "Type", "DiscountPercent", "DueDays", "DiscountDays", "DayOfMonthDue",
    "DueNextMonthDays", "DiscountDayOfMonth", "SalesTermEx", "domain", "status", "sparse", "Id",
    "SyncToken", "MetaData", "CustomField", "AttachableRef",
];

/// Wire key order of `TaxCode`.
#[rustfmt::skip]
pub(crate) const TAXCODE: &[&str] = &[
    "Name", "Description", "Active", "Hidden", "Taxable", "TaxGroup", "SalesTaxRateList",
    "PurchaseTaxRateList", "AdjustmentTaxRateList", "TaxCodeEx", "TaxCodeConfigType", "domain",
    "status", "sparse", "Id", "SyncToken", "MetaData", "CustomField", "AttachableRef",
];

/// Wire key order of `Invoice`.
#[rustfmt::skip]
pub(crate) const INVOICE: &[&str] = &[
    "Deposit", "AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
    "AllowOnlineACHPayment", "AllowOnlinePayPalPayment", "AllowOnlineAffirmPayment",
    "EInvoiceStatus", "ECloudStatusTimeStamp", "CfdiUse", "Exportation", "GlobalInfo",
    "invoiceStatus", "callToAction", "invoiceStatusLog", "InvoiceEx", "LessCIS", "InvoiceLink",
    "PaymentDetailsMessage", "ConvenienceFeeDetail", "EnabledSurchargeInfo",
    "InvoiceLinkSecurityCode", "InvoiceLinkExpiryDate", "AutoPayEligible",
    "SchedulePayEligible", "ScheduledPaymentId", "GratuityEnabled", "FinancingProductType",
    "SubscriptionPaymentsSetting", "TxnRetainageDetail", "domain", "status", "sparse", "Id",
    "SyncToken", "MetaData", "CustomField", "AttachableRef", "DocNumber", "TxnDate",
    "TxnSubType", "DepartmentRef", "CurrencyRef", "ExchangeRate", "PrivateNote", "TxnStatus",
    "LinkedTxn", "Line", "TxnTaxDetail", "TxnSource", "TaxFormType", "TaxFormNum",
    "TransactionLocationType", "Tag", "TxnApprovalInfo", "RecurDataRef", "RecurringInfo",
    "ProjectRef", "TotalCostAmount", "HomeTotalCostAmount", "AutoDocNumber", "CustomerRef",
    "CustomerMemo", "BillAddr", "ShipAddr", "FreeFormAddress", "ShipFromAddr", "RemitToRef",
    "ClassRef", "SalesTermRef", "DueDate", "SalesRepRef", "PONumber", "FOB", "ShipMethodRef",
    "ShipDate", "TrackingNum", "GlobalTaxCalculation", "TotalAmt", "HomeTotalAmt",
    "ApplyTaxAfterDiscount", "ShippingTaxIncludedInTotalTax", "TemplateRef", "PrintStatus",
    "EmailStatus", "BillEmail", "BillEmailCc", "BillEmailBcc", "ARAccountRef", "Balance",
    "HomeBalance", "FinanceCharge", "PaymentMethodRef", "PaymentRefNum", "PaymentType",
    "CheckPayment", "CreditCardPayment", "DepositToAccountRef", "DeliveryInfo", "DiscountRate",
    "DiscountAmt", "GovtTxnRefIdentifier", "TaxExemptionRef",
];

/// Wire key order of `SalesReceipt`.
#[rustfmt::skip]
pub(crate) const SALESRECEIPT: &[&str] = &[
    "SalesReceiptEx", "LessCIS", "domain", "status", "sparse", "Id", "SyncToken", "MetaData",
    "CustomField", "AttachableRef", "DocNumber", "TxnDate", "TxnSubType", "DepartmentRef",
    "CurrencyRef", "ExchangeRate", "PrivateNote", "TxnStatus", "LinkedTxn", "Line",
    "TxnTaxDetail", "TxnSource", "TaxFormType", "TaxFormNum", "TransactionLocationType", "Tag",
    "TxnApprovalInfo", "RecurDataRef", "RecurringInfo", "ProjectRef", "TotalCostAmount",
    "HomeTotalCostAmount", "AutoDocNumber", "CustomerRef", "CustomerMemo", "BillAddr",
    "ShipAddr", "FreeFormAddress", "ShipFromAddr", "RemitToRef", "ClassRef", "SalesTermRef",
    "DueDate", "SalesRepRef", "PONumber", "FOB", "ShipMethodRef", "ShipDate", "TrackingNum",
    "GlobalTaxCalculation", "TotalAmt", "HomeTotalAmt", "ApplyTaxAfterDiscount",
    "ShippingTaxIncludedInTotalTax", "TemplateRef", "PrintStatus", "EmailStatus", "BillEmail",
    "BillEmailCc", "BillEmailBcc", "ARAccountRef", "Balance", "HomeBalance", "FinanceCharge",
    "PaymentMethodRef", "PaymentRefNum", "PaymentType", "CheckPayment", "CreditCardPayment",
    "DepositToAccountRef", "DeliveryInfo", "DiscountRate", "DiscountAmt",
    "GovtTxnRefIdentifier", "TaxExemptionRef",
];

/// Wire key order of `Payment`.
#[rustfmt::skip]
pub(crate) const PAYMENT: &[&str] = &[
    "CustomerRef", "RemitToRef", "ARAccountRef", "DepositToAccountRef", "PaymentMethodRef",
    "PaymentRefNum", "PaymentType", "CheckPayment", "CreditCardPayment", "TotalAmt",
    "UnappliedAmt", "ProcessPayment", "PaymentExtendedType", "PaymentEx", "domain", "status",
    "sparse", "Id", "SyncToken", "MetaData", "CustomField", "AttachableRef", "DocNumber",
    "TxnDate", "TxnSubType", "DepartmentRef", "CurrencyRef", "ExchangeRate", "PrivateNote",
    "TxnStatus", "LinkedTxn", "Line", "TxnTaxDetail", "TxnSource", "TaxFormType", "TaxFormNum",
    "TransactionLocationType", "Tag", "TxnApprovalInfo", "RecurDataRef", "RecurringInfo",
    "ProjectRef", "TotalCostAmount", "HomeTotalCostAmount",
];

/// Wire key order of `Preferences`.
#[rustfmt::skip]
pub(crate) const PREFERENCES: &[&str] = &[
    "AccountingInfoPrefs", "AdvancedInventoryPrefs", "ProductAndServicesPrefs",
    "SalesFormsPrefs", "EmailMessagesPrefs", "PrintDocumentPrefs", "VendorAndPurchasesPrefs",
    "TimeTrackingPrefs", "TaxPrefs", "FinanceChargesPrefs", "CurrencyPrefs", "ReportPrefs",
    "OtherPrefs", "domain", "status", "sparse", "Id", "SyncToken", "MetaData", "CustomField",
    "AttachableRef",
];

/// Wire key order of `CompanyInfo`.
#[rustfmt::skip]
pub(crate) const COMPANYINFO: &[&str] = &[
    "CompanyName", "LegalName", "CompanyAddr", "CustomerCommunicationAddr", "LegalAddr",
    "CompanyEmailAddr", "CustomerCommunicationEmailAddr", "CompanyURL", "PrimaryPhone",
    "OtherContactInfo", "CompanyFileName", "FlavorStratum", "SampleFile", "CompanyUserId",
    "CompanyUserAdminEmail", "CompanyStartDate", "EmployerId", "FiscalYearStartMonth",
    "TaxYearStartMonth", "QBVersion", "Country", "ShipAddr", "OtherAddr", "Mobile", "Fax",
    "Email", "WebAddr", "LastImportedTime", "LastSyncTime", "SupportedLanguages",
    "DefaultTimeZone", "MultiByteCharsSupported", "NameValue", "FifoCalculationStatus",
    "CompanyInfoEx", "domain", "status", "sparse", "Id", "SyncToken", "MetaData", "CustomField",
    "AttachableRef",
];

/// Wire key order of the nested `PhysicalAddress` type.
#[rustfmt::skip]
pub(crate) const PHYSICAL_ADDRESS: &[&str] = &[
    "Id", "Line1", "Line2", "Line3", "Line4", "Line5", "City", "Country", "CountryCode",
    "County", "CountrySubDivisionCode", "PostalCode", "PostalCodeSuffix", "Lat", "Long", "Tag",
    "Note",
];

/// Wire key order of the nested `EmailAddress` type.
#[rustfmt::skip]
pub(crate) const EMAIL_ADDRESS: &[&str] = &[
    "Id", "Address", "Default", "Tag",
];

/// Wire key order of the nested `TelephoneNumber` type.
#[rustfmt::skip]
pub(crate) const TELEPHONE_NUMBER: &[&str] = &[
    "Id", "DeviceType", "CountryCode", "AreaCode", "ExchangeCode", "Extension",
    "FreeFormNumber", "Default", "Tag",
];

/// Wire key order of the nested `WebSiteAddress` type.
#[rustfmt::skip]
pub(crate) const WEB_SITE_ADDRESS: &[&str] = &[
    "Id", "URI", "Default", "Tag",
];

/// Wire key order of the nested `ModificationMetaData` type.
#[rustfmt::skip]
pub(crate) const MODIFICATION_META_DATA: &[&str] = &[
    "CreatedByRef", "CreateTime", "LastModifiedByRef", "LastUpdatedTime", "LastChangedInQB",
    "Synchronized",
];

/// Wire key order of the nested `LinkedTxn` type.
#[rustfmt::skip]
pub(crate) const LINKED_TXN: &[&str] = &[
    "TxnId", "TxnType", "TxnLineId",
];

/// Wire key order of the nested `Line` type.
#[rustfmt::skip]
pub(crate) const LINE: &[&str] = &[
    "Id", "LineNum", "Description", "Amount", "Received", "LinkedTxn", "DetailType",
    "PaymentLineDetail", "DiscountLineDetail", "TaxLineDetail", "SalesItemLineDetail",
    "DescriptionLineDetail", "ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail",
    "ReimburseLineDetail", "DepositLineDetail", "PurchaseOrderItemLineDetail",
    "SalesOrderItemLineDetail", "ItemReceiptLineDetail", "JournalEntryLineDetail",
    "GroupLineDetail", "SubTotalLineDetail", "TDSLineDetail", "ItemAdjustmentLineDetail",
    "CustomField", "LineEx", "ProjectRef", "CostAmount", "HomeCostAmount", "CustomExtensions",
];

/// Wire key order of the nested `SalesItemLineDetail` type.
#[rustfmt::skip]
pub(crate) const SALES_ITEM_LINE_DETAIL: &[&str] = &[
    "ServiceDate", "TaxInclusiveAmt", "DiscountRate", "DiscountAmt", "DeferredRevenue",
    "RetainageAmount", "SalesItemLineDetailEx", "ItemRef", "ClassRef", "UnitPrice",
    "UnitCostPrice", "RatePercent", "PriceLevelRef", "MarkupInfo", "Qty", "UOMRef",
    "ItemAccountRef", "InventorySiteRef", "TaxCodeRef", "TaxClassificationRef",
];

/// Wire key order of the nested `TxnTaxDetail` type.
#[rustfmt::skip]
pub(crate) const TXN_TAX_DETAIL: &[&str] = &[
    "DefaultTaxCodeRef", "TxnTaxCodeRef", "TotalTax", "TaxReviewStatus", "TaxLine",
    "UseAutomatedSalesTax",
];

/// Wire key order of the nested `SalesFormsPrefs` type.
#[rustfmt::skip]
pub(crate) const SALES_FORMS_PREFS: &[&str] = &[
    "UsingProgressInvoicing", "CustomField", "CustomTxnNumbers", "DelayedCharges",
    "SalesEmailCc", "SalesEmailBcc", "EmailCopyToCompany", "AllowDeposit", "AllowDiscount",
    "DefaultDiscountAccount", "AllowEstimates", "EstimateMessage", "ETransactionEnabledStatus",
    "ETransactionAttachPDF", "ETransactionPaymentEnabled", "IPNSupportEnabled",
    "InvoiceMessage", "AllowServiceDate", "AllowShipping", "DefaultShippingAccount",
    "DefaultItem", "DefaultTerms", "DefaultDeliveryMethod", "AutoApplyCredit",
    "AutoApplyPayments", "PrintItemWithZeroAmount", "DefaultShipMethodRef", "DefaultMarkup",
    "TrackReimbursableExpensesAsIncome", "UsingSalesOrders", "UsingPriceLevels", "DefaultFOB",
    "DefaultCustomerMessage",
];

/// Wire key order of the nested `CurrencyPrefs` type.
#[rustfmt::skip]
pub(crate) const CURRENCY_PREFS: &[&str] = &[
    "MultiCurrencyEnabled", "HomeCurrency",
];

/// Wire key order of the nested `TaxPrefs` type.
#[rustfmt::skip]
pub(crate) const TAX_PREFS: &[&str] = &[
    "UsingSalesTax", "PartnerTaxEnabled", "HideTaxManagement", "TaxGroupCodeRef", "TaxRateRef",
    "PaySalesTax", "NonTaxableSalesTaxCodeRef", "TaxableSalesTaxCodeRef",
];

/// Wire key order of the nested `DiscountLineDetail` type.
#[rustfmt::skip]
pub(crate) const DISCOUNT_LINE_DETAIL: &[&str] = &[
    "ServiceDate", "ClassRef", "TaxCodeRef", "DiscountLineDetailEx", "DiscountRef",
    "PercentBased", "DiscountPercent", "DiscountAccountRef",
];

/// Wire key order of the nested `DescriptionLineDetail` type.
#[rustfmt::skip]
pub(crate) const DESCRIPTION_LINE_DETAIL: &[&str] = &[
    "ServiceDate", "TaxCodeRef", "DescriptionLineDetailEx",
];

/// Wire key order of the nested `SubTotalLineDetail` type.
#[rustfmt::skip]
pub(crate) const SUB_TOTAL_LINE_DETAIL: &[&str] = &[
    "ItemRef", "ServiceDate",
];

/// Wire key order of the nested `GroupLineDetail` type.
#[rustfmt::skip]
pub(crate) const GROUP_LINE_DETAIL: &[&str] = &[
    "GroupItemRef", "Quantity", "UOMRef", "ServiceDate", "Line", "GroupLineDetailEx",
];

/// Wire key order of the nested `TaxLineDetail` type.
#[rustfmt::skip]
pub(crate) const TAX_LINE_DETAIL: &[&str] = &[
    "TaxRateRef", "PercentBased", "TaxPercent", "NetAmountTaxable", "TaxInclusiveAmount",
    "OverrideDeltaAmount", "ServiceDate", "TaxLineDetailEx",
];

/// Wire key order of the nested `PaymentLineDetail` type.
#[rustfmt::skip]
pub(crate) const PAYMENT_LINE_DETAIL: &[&str] = &[
    "ItemRef", "ServiceDate", "ClassRef", "Balance", "HomeBalance", "Discount", "PaymentLineEx",
];

/// Wire key order of the nested `TaxRateList` type.
#[rustfmt::skip]
pub(crate) const TAX_RATE_LIST: &[&str] = &[
    "TaxRateDetail",
];

/// Wire key order of the nested `TaxRateDetail` type.
#[rustfmt::skip]
pub(crate) const TAX_RATE_DETAIL: &[&str] = &[
    "TaxRateRef", "TaxTypeApplicable", "TaxOrder", "TaxOnTaxOrder",
];
