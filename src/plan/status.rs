//! Invoice status derived from QuickBooks data, with "today" as an input.
//!
//! Precedence (first that applies wins):
//! 1. `Voided` — QBO voided it (all amounts zero and `PrivateNote` "Voided").
//! 2. `Fully paid` — balance is zero or less (a zero-total invoice is fully paid).
//! 3. `Overdue` — the due date is **before** today and money is still owed
//!    (so a partially paid invoice past its due date is overdue; on the due date
//!    itself it is not yet overdue).
//! 4. `Partially paid` — 0 < balance < total.
//! 5. `Sent to customer` — QBO `EmailStatus` is `EmailSent`.
//! 6. `Ready to send` — everything else (a draft waiting to be sent).

use crate::model::QboRecord;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The statuses, in precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InvoiceStatus {
    /// Voided in QuickBooks.
    Voided,
    /// Nothing owed.
    FullyPaid,
    /// Past due with a balance.
    Overdue,
    /// Some paid.
    PartiallyPaid,
    /// Emailed to the customer.
    SentToCustomer,
    /// Not sent yet.
    ReadyToSend,
}

impl InvoiceStatus {
    /// Every status, for the HubSpot enumeration options.
    pub const ALL: [InvoiceStatus; 6] = [
        InvoiceStatus::ReadyToSend,
        InvoiceStatus::SentToCustomer,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::FullyPaid,
        InvoiceStatus::Overdue,
        InvoiceStatus::Voided,
    ];

    /// The label (also the HubSpot option value).
    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Voided => "Voided",
            InvoiceStatus::FullyPaid => "Fully paid",
            InvoiceStatus::Overdue => "Overdue",
            InvoiceStatus::PartiallyPaid => "Partially paid",
            InvoiceStatus::SentToCustomer => "Sent to customer",
            InvoiceStatus::ReadyToSend => "Ready to send",
        }
    }
}

/// The facts the status depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// `TotalAmt`.
    pub total: Decimal,
    /// `Balance`.
    pub balance: Decimal,
    /// `DueDate`.
    pub due: Option<NaiveDate>,
    /// `EmailStatus == "EmailSent"`.
    pub sent: bool,
    /// Voided.
    pub voided: bool,
}

impl InvoiceFacts {
    /// Read the facts from a QBO invoice.
    pub fn of(inv: &QboRecord) -> InvoiceFacts {
        let dec = |path: &str| match inv
            .get(path)
            .map(|v| crate::model::Value::from_qbo(v, crate::model::ValueType::Money))
        {
            Some(Ok(crate::model::Value::Money(d))) => d,
            _ => Decimal::ZERO,
        };
        let total = dec("TotalAmt");
        let balance = dec("Balance");
        let due = inv
            .get_str("DueDate")
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let note_voided = inv
            .get_str("PrivateNote")
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("voided"));
        InvoiceFacts {
            total,
            balance,
            due,
            sent: inv.get_str("EmailStatus") == Some("EmailSent"),
            voided: note_voided && total.is_zero() && balance.is_zero(),
        }
    }
}

/// Derive the status on `today`.
pub fn derive(f: &InvoiceFacts, today: NaiveDate) -> InvoiceStatus {
    if f.voided {
        return InvoiceStatus::Voided;
    }
    if f.balance <= Decimal::ZERO {
        return InvoiceStatus::FullyPaid;
    }
    if f.due.is_some_and(|d| d < today) {
        return InvoiceStatus::Overdue;
    }
    if f.balance < f.total {
        return InvoiceStatus::PartiallyPaid;
    }
    if f.sent {
        return InvoiceStatus::SentToCustomer;
    }
    InvoiceStatus::ReadyToSend
}

#[cfg(test)]
mod tests {
    use super::InvoiceStatus::*;
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal literal")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn facts(
        total: &str,
        balance: &str,
        due: Option<&str>,
        sent: bool,
        voided: bool,
    ) -> InvoiceFacts {
        InvoiceFacts {
            total: d(total),
            balance: d(balance),
            due: due.map(day),
            sent,
            voided,
        }
    }

    #[test]
    fn status_table() {
        let today = day("2026-06-15");
        let cases = [
            // (total, balance, due, sent, voided) → status
            (
                facts("100.00", "100.00", Some("2026-06-30"), false, false),
                ReadyToSend,
            ),
            (facts("100.00", "100.00", None, false, false), ReadyToSend),
            (
                facts("100.00", "100.00", Some("2026-06-30"), true, false),
                SentToCustomer,
            ),
            (
                facts("100.00", "40.00", Some("2026-06-30"), true, false),
                PartiallyPaid,
            ),
            (
                facts("100.00", "40.00", Some("2026-06-30"), false, false),
                PartiallyPaid,
            ),
            (
                facts("100.00", "0", Some("2026-06-01"), true, false),
                FullyPaid,
            ),
            (facts("100.00", "0.00", None, false, false), FullyPaid),
            // Due date boundaries: on the day is not overdue; the day after is.
            (
                facts("100.00", "100.00", Some("2026-06-15"), true, false),
                SentToCustomer,
            ),
            (
                facts("100.00", "100.00", Some("2026-06-14"), true, false),
                Overdue,
            ),
            // A partially paid invoice past its due date is overdue.
            (
                facts("100.00", "0.01", Some("2026-06-14"), true, false),
                Overdue,
            ),
            // Zero-total invoices owe nothing.
            (facts("0", "0", Some("2026-01-01"), false, false), FullyPaid),
            // Voided beats everything.
            (facts("0", "0", Some("2026-01-01"), true, true), Voided),
            // Credits (negative balance) owe nothing.
            (
                facts("100.00", "-5.00", Some("2026-01-01"), false, false),
                FullyPaid,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(derive(&f, today), want, "{f:?}");
        }
    }

    #[test]
    fn facts_from_a_qbo_invoice() {
        let inv = crate::plan::testkit::qbo(
            "9",
            "1",
            0,
            serde_json::from_str(
                r#"{"TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided", "DueDate": "2026-01-01", "EmailStatus": "EmailSent"}"#,
            )
            .expect("json"),
        );
        let f = InvoiceFacts::of(&inv);
        assert!(f.voided && f.sent);
        assert_eq!(derive(&f, day("2026-06-15")), Voided);
        let foreign = crate::plan::testkit::qbo(
            "10",
            "0",
            0,
            serde_json::from_str(
                r#"{"TotalAmt": 250.50, "Balance": 100.25, "DueDate": "2026-07-01"}"#,
            )
            .expect("json"),
        );
        let f = InvoiceFacts::of(&foreign);
        assert_eq!(f.total, d("250.50"));
        assert_eq!(derive(&f, day("2026-06-15")), PartiallyPaid);
    }
}
