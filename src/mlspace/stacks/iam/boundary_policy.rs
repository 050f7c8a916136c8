//! The permissions boundary of the project-user roles the app creates at run time: the data
//! bucket's prefixes, passing MLSpace's roles, then the notebook policy in any partition and
//! region for any instance type.
use crate::cdk::Value;
use crate::constructs::iam::Statement;
use crate::map;

use super::notebook_policy::{notebook_statements, InstanceTypes};
use super::{Arns, Inputs};

pub(super) fn statements(i: &Inputs) -> Vec<Statement> {
    let any = Arns {
        partition: "*".into(),
        region: "*".into(),
        account: i.cfg.aws_account.clone(),
    };
    let data = &i.data_bucket;
    let pass_to: Value = if i.translate {
        Value::list(["sagemaker.amazonaws.com", "translate.amazonaws.com"])
    } else {
        "sagemaker.amazonaws.com".into()
    };
    let mut s = vec![
        Statement::allow(&["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]).on([
            format!("arn:*:s3:::{data}/project/*"),
            format!("arn:*:s3:::{data}/group/*"),
            format!("arn:*:s3:::{data}/global/*"),
            format!("arn:*:s3:::{data}/private/*"),
        ]),
        Statement::allow(&["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]).on([format!("arn:*:s3:::{data}/index/*")]),
        Statement::allow(&["s3:ListBucket"]).on([format!("arn:*:s3:::{data}")]).condition(
            map! { "StringLike" => map! { "s3:prefix" => Value::list(["global/*", "index/*", "private/*", "project/*", "group/*"]) } },
        ),
        Statement::allow(&["s3:GetBucketLocation"]).on([format!("arn:*:s3:::{data}")]),
        Statement::allow(&["iam:PassRole"])
            .on([format!("arn:*:iam::{}:role/{}*", i.cfg.aws_account, i.cfg.iam_resource_prefix)])
            .condition(map! { "StringEquals" => map! { "iam:PassedToService" => pass_to } }),
    ];
    s.extend(notebook_statements(i, &any, InstanceTypes::Any));
    s
}
