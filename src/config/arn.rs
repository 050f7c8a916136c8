//! An ARN as the configuration names it: text shaped like `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
//!
//! Only the shape is checked here; whether the partition fits the region is a question about
//! the whole configuration, asked by `validate::check_arn`.

use std::fmt;
use std::str::FromStr;

/// Text that has the shape of an ARN (see [`Arn::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn(String);

/// Why a text is not shaped like an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnShapeError {
    value: String,
    problem: &'static str,
}

impl ArnShapeError {
    /// What is wrong, completing "VALUE ...": `does not start with "arn:"`, ...
    pub fn problem(&self) -> &'static str {
        self.problem
    }
}

impl fmt::Display for ArnShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an ARN: it {}", self.value, self.problem)
    }
}

impl std::error::Error for ArnShapeError {}

impl Arn {
    /// `value` when it is `arn:`, a partition (`aws`, `aws-cn`, `aws-us-gov`, ...), a service,
    /// a region and an account (either may be empty, as in IAM ARNs), and a resource that is
    /// not empty (it may hold colons).
    pub fn parse(value: &str) -> Result<Arn, ArnShapeError> {
        let problem = |problem| ArnShapeError {
            value: value.to_owned(),
            problem,
        };
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        if parts.first() != Some(&"arn") {
            return Err(problem("does not start with \"arn:\""));
        }
        if parts.len() < 6 {
            return Err(problem("has fewer than six colon-separated parts"));
        }
        let (partition, service, resource) = (parts[1], parts[2], parts[5]);
        if !partition.starts_with("aws")
            || partition
                .bytes()
                .any(|b| !(b.is_ascii_lowercase() || b == b'-'))
        {
            return Err(problem(
                "has no AWS partition (aws, aws-cn, aws-us-gov, ...) after \"arn:\"",
            ));
        }
        if service.is_empty() {
            return Err(problem("has no service (iam, kms, ...)"));
        }
        if resource.is_empty() {
            return Err(problem("has no resource after the account"));
        }
        Ok(Arn(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition, the part after `arn:`.
    pub fn partition(&self) -> &str {
        // Parsing made sure there is one.
        self.0.split(':').nth(1).unwrap_or_default()
    }
}

impl FromStr for Arn {
    type Err = ArnShapeError;

    fn from_str(value: &str) -> Result<Arn, ArnShapeError> {
        Arn::parse(value)
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_arn_round_trips() {
        for text in [
            "arn:aws:iam::123456789012:role/x",
            "arn:aws-us-gov:iam::123456789012:role/path/with:colon",
            "arn:aws:kms:us-east-1:123456789012:key/abcd",
        ] {
            let arn = Arn::parse(text).unwrap();
            assert_eq!((arn.as_str(), arn.to_string()), (text, text.to_owned()));
            assert_eq!(text.parse::<Arn>().unwrap(), arn);
        }
        let gov = Arn::parse("arn:aws-us-gov:iam::1:role/x").unwrap();
        assert_eq!(gov.partition(), "aws-us-gov");
    }

    #[test]
    fn a_bad_shape_is_named() {
        for (bad, problem) in [
            ("", "does not start with \"arn:\""),
            ("role/x", "does not start with \"arn:\""),
            ("ARN:aws:iam::1:role/x", "does not start with \"arn:\""),
            ("arn:aws:iam::123456789012", "fewer than six"),
            ("arn::iam::1:role/x", "no AWS partition"),
            ("arn:AWS:iam::1:role/x", "no AWS partition"),
            ("arn:aws:::1:x", "no service"),
            ("arn:aws:iam::1:", "no resource"),
        ] {
            let err = Arn::parse(bad).unwrap_err();
            assert!(err.problem().contains(problem), "{bad}: {err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("{bad:?} is not an ARN: it ")),
                "{err}"
            );
        }
    }
}
