# One customer managed key ($1/month) for everything the stack stores:
# databases, credential secrets, log groups, the report bucket and topic. The
# key policy delegates to IAM (account root); only CloudWatch Logs, which
# encrypts log groups itself, is named as a service.

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key only; the root statement is AWS's default key policy, delegating to IAM
  #checkov:skip=CKV_AWS_356:Same: a key policy's resource is always the key itself
  #checkov:skip=CKV_AWS_109:Same: key administration is delegated to the account's IAM policies, as in AWS's default key policy
  override_policy_documents = [data.aws_iam_policy_document.kms_dms_notifications.json] # failure_reports.tf (appended: its Sid is new)
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisStacksLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.${local.dns_suffix}"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name}: databases, secrets, logs, reports"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}
