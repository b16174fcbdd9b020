//! SEQR result codes: names, which are transient, and what an operator should do.
// Each code's name is SEQR's; `what` and `hint` below say what it means and what to do.
#![allow(missing_docs)]

/// A `resultCode` from a SEQR response, with its published name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCode(pub i32);

impl ResultCode {
    pub const SUCCESS: ResultCode = ResultCode(0);
    pub const REPORT_NOT_READY: ResultCode = ResultCode(2);
    pub const AUTHENTICATION_FAILED: ResultCode = ResultCode(20);
    pub const ACCESS_DENIED: ResultCode = ResultCode(21);
    pub const INVALID_ERS_REFERENCE: ResultCode = ResultCode(23);
    pub const INVALID_INITIATOR_PRINCIPAL_ID: ResultCode = ResultCode(29);
    pub const INITIATOR_PRINCIPAL_NOT_FOUND: ResultCode = ResultCode(37);
    pub const INVALID_INVOICE_DATA: ResultCode = ResultCode(49);
    pub const CANNOT_CANCEL_PAID_INVOICE: ResultCode = ResultCode(50);
    pub const CANNOT_CANCEL_INVOICE_IN_PROGRESS: ResultCode = ResultCode(51);
    pub const INVALID_SEQR_ID: ResultCode = ResultCode(53);
    pub const INVALID_INVOICE_REFERENCE: ResultCode = ResultCode(54);
    pub const SYSTEM_ERROR: ResultCode = ResultCode(90);
    pub const UNSUPPORTED_OPERATION: ResultCode = ResultCode(91);
    pub const SYSTEM_BUSY: ResultCode = ResultCode(93);
    pub const SERVICE_UNAVAILABLE: ResultCode = ResultCode(94);
    pub const INVOICE_ALREADY_CANCELED: ResultCode = ResultCode(95);
    pub const INVOICE_STATE_NOT_RESERVED: ResultCode = ResultCode(96);
    pub const RESELLER_NOT_ALLOWED_TO_DO_REFUND: ResultCode = ResultCode(97);
    pub const SUM_OF_REFUNDS_EXCEEDS_ORIGINAL: ResultCode = ResultCode(98);
    pub const RECEIVER_ACCOUNT_DOES_NOT_ALLOW_REFUNDS: ResultCode = ResultCode(99);

    /// The name SEQR publishes for this code.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "SUCCESS",
            2 => "REPORT_NOT_READY",
            20 => "AUTHENTICATION_FAILED",
            21 => "ACCESS_DENIED",
            23 => "INVALID_ERS_REFERENCE",
            29 => "INVALID_INITIATOR_PRINCIPAL_ID",
            37 => "INITIATOR_PRINCIPAL_NOT_FOUND",
            49 => "INVALID_INVOICE_DATA",
            50 => "CANNOT_CANCEL_PAID_INVOICE",
            51 => "CANNOT_CANCEL_INVOICE_IN_PROGRESS",
            53 => "INVALID_SEQR_ID",
            54 => "INVALID_INVOICE_REFERENCE",
            64 => "INVALID_NOTIFICATION_URL",
            90 => "SYSTEM_ERROR",
            91 => "UNSUPPORTED_OPERATION",
            93 => "SYSTEM_BUSY",
            94 => "SERVICE_UNAVAILABLE",
            95 => "INVOICE_ALREADY_CANCELED",
            96 => "INVOICE_STATE_NOT_RESERVED",
            97 => "RESELLER_NOT_ALLOWED_TO_DO_REFUND",
            98 => "SUM_OF_REFUNDS_CAN_NOT_BE_MORE_THAN_ORIGINAL_TRANSACTION",
            99 => "RECEIVER_ACCOUNT_DOES_NOT_ALLOW_REFUNDS",
            _ => "UNKNOWN_RESULT_CODE",
        }
    }

    /// SEQR answered but could not act now; the same request may succeed later.
    pub fn is_transient(self) -> bool {
        matches!(self.0, 90 | 93 | 94)
    }

    /// What SEQR refused, in words, for the first half of an error message.
    pub fn what(self) -> &'static str {
        match self.0 {
            2 => "the report: it is not ready yet",
            20 => "the password",
            21 => "the terminal password: it is shorter than 4 characters",
            23 => "the ersReference: SEQR has no such payment",
            29 => "the terminal id: SEQR does not know this terminal",
            37 => "the reseller user: SEQR does not know this reseller id and user id",
            49 => "the invoice data (currency, or rows that do not sum to the total)",
            50 => "the cancel: the invoice is already paid",
            51 => "the cancel: the customer is paying right now",
            53 => "the SEQR id: not alphanumeric, or assigned to another terminal",
            54 => "the invoice reference: no such invoice for this terminal",
            90 => "the request with a system error",
            91 => "the operation as unsupported",
            93 => "the request: the system is busy",
            94 => "the request: the bank backend is unavailable",
            95 => "the cancel: the invoice is already canceled",
            96 => "the commit: the invoice is not RESERVED",
            97 => "the refund: this reseller may not refund",
            98 => "the refund: refunds would exceed the original payment",
            99 => "the refund: the receiving account does not allow refunds",
            _ => "the request",
        }
    }

    /// The operator's next step, given who made the call (e.g. `shop stockholm-1`).
    pub fn hint(self, who: &str) -> String {
        match self.0 {
            20 => format!("check password_env for {who}"),
            21 => "register the terminal with a password of at least 4 characters (15 recommended)".into(),
            23 => "check the ersReference against the payment's receipt".into(),
            29 => format!("check the terminal id configured for {who}; register the terminal if it is new"),
            37 => format!("check reseller_id and reseller_user_id for {who}"),
            49 => "make the invoice rows sum to totalAmount and use the shop's currency".into(),
            53 => "use the alphanumeric number printed on the SEQR sticker, one sticker per terminal".into(),
            54 => "check the invoice reference; it belongs to another terminal or does not exist".into(),
            98 => "refund at most what remains of the original payment".into(),
            90 | 93 | 94 => "SEQR is having trouble; the call is retried, try again later if it keeps failing".into(),
            _ => "look the code up in the result code list of SEQR's integration documentation".into(),
        }
    }
}

impl std::fmt::Display for ResultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "code {} {}", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_system_error_busy_and_unavailable_are_transient() {
        let transient: Vec<i32> = (0..100).filter(|c| ResultCode(*c).is_transient()).collect();
        assert_eq!(transient, vec![90, 93, 94]);
    }

    #[test]
    fn authentication_failure_names_the_password_env_of_the_caller() {
        let hint = ResultCode::AUTHENTICATION_FAILED.hint("shop stockholm-1");
        assert_eq!(hint, "check password_env for shop stockholm-1");
    }
}
