//! Checks for names that end up in SQL or API calls: publication,
//! subscription (= replication slot) and schema names, DMS task ARNs, libpq
//! sslmodes. Names are still quoted with `db::quote_ident` when used; these
//! checks make a bad configuration fail early with a message naming it.

/// An SQL identifier we accept from configuration: 1–63 bytes, no NUL.
/// (Quoting makes anything else safe; the length is PostgreSQL's limit, past
/// which names are silently truncated.)
pub fn identifier(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > 63 {
        return Err(format!(
            "{name:?} is {} bytes; PostgreSQL truncates names to 63",
            name.len()
        ));
    }
    if name.contains('\0') {
        return Err("must not contain NUL".into());
    }
    Ok(())
}

/// A subscription name, which is also its replication slot's name on the
/// source: slots allow only lower-case letters, digits and `_` (max 63).
pub fn slot_name(name: &str) -> Result<(), String> {
    identifier(name)?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "{name:?} is also the replication slot name, which may hold only lower-case letters, digits and underscores"
        ));
    }
    Ok(())
}

/// The resource id of a DMS task ARN (`arn:aws:dms:REGION:ACCOUNT:task:ID` → `ID`),
/// which is also the value of CloudWatch's `ReplicationTaskIdentifier` dimension.
pub fn task_resource_id(arn: &str) -> Result<&str, String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "dms", region, account, "task", id]
            if !partition.is_empty()
                && !region.is_empty()
                && !account.is_empty()
                && !id.is_empty() =>
        {
            Ok(id)
        }
        _ => Err(format!(
            "{arn:?} is not a DMS replication task ARN (arn:aws:dms:REGION:ACCOUNT:task:ID)"
        )),
    }
}

/// libpq sslmodes a subscription's connection may use.
pub const LIBPQ_SSLMODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

pub fn libpq_sslmode(mode: &str) -> Result<(), String> {
    if LIBPQ_SSLMODES.contains(&mode) {
        Ok(())
    } else {
        Err(format!(
            "unknown sslmode {mode:?} (one of: {})",
            LIBPQ_SSLMODES.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(identifier("dmsflow_pub").is_ok());
        assert!(identifier("Weird \"name\"").is_ok());
        assert!(identifier("").is_err());
        assert!(identifier(&"x".repeat(64)).is_err());
        assert!(slot_name("dmsflow_sub_1").is_ok());
        assert!(slot_name("DmsflowSub").is_err());
        assert!(slot_name("sub-1").is_err());
        assert!(slot_name("a;drop").is_err());
    }

    #[test]
    fn task_arns() {
        assert_eq!(
            task_resource_id("arn:aws:dms:eu-west-1:123456789012:task:ABCDEF"),
            Ok("ABCDEF")
        );
        assert!(task_resource_id("arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF").is_err());
        assert!(task_resource_id("ABCDEF").is_err());
        assert!(task_resource_id("arn:aws:dms:eu-west-1:123456789012:task:").is_err());
    }

    #[test]
    fn sslmodes() {
        assert!(libpq_sslmode("require").is_ok());
        assert!(libpq_sslmode("verify-full").is_ok());
        assert!(libpq_sslmode("on").unwrap_err().contains("verify-full"));
    }
}
