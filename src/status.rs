//! The status values Zuora reports, with Zuora's exact spellings.
//!
//! Note the odd casing Zuora uses and this crate keeps: `Cancelled` with two Ls,
//! `CancelInprogress` and `DeleteInprogress` with a lower-case `p`.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::{EnumCount, IntoStaticStr, VariantArray};

/// A status string that is not one of the accepted spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{}`; expected one of {}", crate::quote::clip(.found), list(.expected))]
#[non_exhaustive]
pub struct UnknownVariant {
    /// What was being parsed, such as "journal run status".
    pub kind: &'static str,
    /// The rejected text.
    pub found: String,
    /// Every accepted spelling, in Zuora's order.
    pub expected: &'static [&'static str],
}

fn list(expected: &[&str]) -> String {
    let quoted: Vec<String> = expected.iter().map(|s| format!("`{s}`")).collect();
    quoted.join(", ")
}

/// Parses a fieldless enum from its exact spelling. The one place status text is read.
fn parse_variant<T>(
    kind: &'static str,
    expected: &'static [&'static str],
    input: &str,
) -> Result<T, UnknownVariant>
where
    T: VariantArray + Copy + Into<&'static str>,
{
    T::VARIANTS
        .iter()
        .copied()
        .find(|v| Into::<&'static str>::into(*v) == input)
        .ok_or_else(|| UnknownVariant {
            kind,
            found: input.to_owned(),
            expected,
        })
}

macro_rules! status_enum {
    (
        $(#[$doc:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $spelling:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            Serialize, Deserialize, IntoStaticStr, VariantArray, EnumCount,
        )]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum $name {
            $(
                $(#[$vdoc])*
                #[serde(rename = $spelling)]
                #[strum(serialize = $spelling)]
                $variant,
            )+
        }

        impl $name {
            /// Every accepted spelling, in Zuora's order.
            pub const SPELLINGS: &'static [&'static str] = &[$($spelling),+];

            /// Zuora's spelling of this value.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_variant($kind, Self::SPELLINGS, s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = UnknownVariant;
            fn try_from(s: &str) -> Result<Self, UnknownVariant> {
                s.parse()
            }
        }
    };
}

status_enum!(
    /// The status of a journal run (`GETJournalRunType.status`).
    JournalRunStatus, "journal run status" {
        /// Queued for processing; the status a run has when it is started.
        Pending = "Pending",
        /// Transactions and summary journal entries are being processed.
        Processing = "Processing",
        /// Done: entries were created and are available.
        Completed = "Completed",
        /// Processing failed.
        Error = "Error",
        /// Cancelling the journal run is in progress.
        CancelInprogress = "CancelInprogress",
        /// The run is cancelled: every one of its entries is cancelled.
        Cancelled = "Cancelled",
        /// A cancelled run is being deleted.
        DeleteInprogress = "DeleteInprogress",
    }
);

status_enum!(
    /// The status of a summary journal entry (`GETJournalEntryDetailType.status`).
    JournalEntryStatus, "journal entry status" {
        /// The entry exists and is in effect.
        Created = "Created",
        /// The entry is cancelled; its transactions are released. Final.
        Cancelled = "Cancelled",
    }
);

status_enum!(
    /// Whether a summary journal entry has been transferred to an accounting system
    /// (`GETJournalEntryDetailType.transferredToAccounting`).
    ///
    /// A JSON `null` is not a value of this type; the wire layer reads it as [`No`](Self::No)
    /// (docs/DECISIONS.md, D-3).
    TransferredToAccounting, "Transferred to Accounting value" {
        /// Not transferred.
        No = "No",
        /// A transfer is under way.
        Processing = "Processing",
        /// Transferred.
        Yes = "Yes",
        /// The transfer failed.
        Error = "Error",
        /// Deliberately left out of the transfer.
        Ignore = "Ignore",
    }
);

status_enum!(
    /// A transaction type a journal run can include (`POSTJournalRunTransactionType.type`),
    /// with the spec's spellings. "Invoice Adjustment" is deprecated on Production; the memo,
    /// application and application-item types need Invoice Settlement (the spec's notes).
    TransactionType, "transaction type" {
        /// `Invoice Item`.
        InvoiceItem = "Invoice Item",
        /// `Taxation Item`.
        TaxationItem = "Taxation Item",
        /// `Invoice Item Adjustment (Invoice)`.
        InvoiceItemAdjustmentInvoice = "Invoice Item Adjustment (Invoice)",
        /// `Invoice Item Adjustment (Tax)`.
        InvoiceItemAdjustmentTax = "Invoice Item Adjustment (Tax)",
        /// `Invoice Adjustment` (deprecated on Production).
        InvoiceAdjustment = "Invoice Adjustment",
        /// `Electronic Payment`.
        ElectronicPayment = "Electronic Payment",
        /// `External Payment`.
        ExternalPayment = "External Payment",
        /// `Electronic Refund`.
        ElectronicRefund = "Electronic Refund",
        /// `External Refund`.
        ExternalRefund = "External Refund",
        /// `Electronic Credit Balance Payment`.
        ElectronicCreditBalancePayment = "Electronic Credit Balance Payment",
        /// `External Credit Balance Payment`.
        ExternalCreditBalancePayment = "External Credit Balance Payment",
        /// `Electronic Credit Balance Refund`.
        ElectronicCreditBalanceRefund = "Electronic Credit Balance Refund",
        /// `External Credit Balance Refund`.
        ExternalCreditBalanceRefund = "External Credit Balance Refund",
        /// `Credit Balance Adjustment (Applied from Credit Balance)`.
        CreditBalanceAdjustmentApplied = "Credit Balance Adjustment (Applied from Credit Balance)",
        /// `Credit Balance Adjustment (Transferred to Credit Balance)`.
        CreditBalanceAdjustmentTransferred = "Credit Balance Adjustment (Transferred to Credit Balance)",
        /// `Revenue Event Item`.
        RevenueEventItem = "Revenue Event Item",
        /// `Debit Memo Item (Charge)`.
        DebitMemoItemCharge = "Debit Memo Item (Charge)",
        /// `Debit Memo Item (Tax)`.
        DebitMemoItemTax = "Debit Memo Item (Tax)",
        /// `Credit Memo Item (Charge)`.
        CreditMemoItemCharge = "Credit Memo Item (Charge)",
        /// `Credit Memo Item (Tax)`.
        CreditMemoItemTax = "Credit Memo Item (Tax)",
        /// `Credit Memo Application Item`.
        CreditMemoApplicationItem = "Credit Memo Application Item",
        /// `Electronic Payment Application`.
        ElectronicPaymentApplication = "Electronic Payment Application",
        /// `External Payment Application`.
        ExternalPaymentApplication = "External Payment Application",
        /// `Electronic Refund Application`.
        ElectronicRefundApplication = "Electronic Refund Application",
        /// `External Refund Application`.
        ExternalRefundApplication = "External Refund Application",
        /// `Electronic Payment Application Item`.
        ElectronicPaymentApplicationItem = "Electronic Payment Application Item",
        /// `External Payment Application Item`.
        ExternalPaymentApplicationItem = "External Payment Application Item",
        /// `Electronic Refund Application Item`.
        ElectronicRefundApplicationItem = "Electronic Refund Application Item",
        /// `External Refund Application Item`.
        ExternalRefundApplicationItem = "External Refund Application Item",
    }
);

impl TransferredToAccounting {
    /// Whether this value stops the entry from being cancelled ("Yes" or "Processing").
    ///
    /// This is the only place the rule lives; both the cancellation job and the single-entry
    /// cancel use it.
    #[must_use]
    pub const fn blocks_cancellation(self) -> bool {
        matches!(self, Self::Yes | Self::Processing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_lists_accepted_values() {
        let err = "Canceled".parse::<JournalRunStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown journal run status `Canceled`; expected one of `Pending`, `Processing`, \
             `Completed`, `Error`, `CancelInprogress`, `Cancelled`, `DeleteInprogress`"
        );
    }

    #[test]
    fn spellings_match_variants() {
        for v in JournalRunStatus::VARIANTS {
            assert_eq!(v.as_str().parse::<JournalRunStatus>(), Ok(*v));
        }
        assert_eq!(JournalRunStatus::COUNT, JournalRunStatus::SPELLINGS.len());
    }
}
