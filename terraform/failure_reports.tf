# No silent end. An execution that fails where no Catch runs, times out or is
# aborted writes no report itself: EventBridge's status change brings it to the
# report function, which writes a failure report unless the execution wrote
# its own (functions/dmsflow/src/report/failure.rs). DMS task failures reach
# the report topic through a DMS event subscription.

resource "aws_cloudwatch_event_rule" "execution_ended" {
  count = var.failure_reports_enabled ? 1 : 0

  name        = "${local.name}-execution-ended"
  description = "dmsflow: a failed, timed-out or aborted execution of ${local.name} gets a failure report"

  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = [aws_sfn_state_machine.this.arn]
    }
  })
}

resource "aws_cloudwatch_event_target" "execution_ended_report" {
  count = var.failure_reports_enabled ? 1 : 0

  rule      = aws_cloudwatch_event_rule.execution_ended[0].name
  target_id = "report"
  arn       = aws_lambda_function.this["report"].arn

  # A report that cannot be written is worth a few more tries, not a day of them.
  retry_policy {
    maximum_retry_attempts       = var.failure_report_retry_attempts
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "execution_ended_report" {
  count = var.failure_reports_enabled ? 1 : 0

  statement_id  = "InvokedByExecutionEndedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["report"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.execution_ended[0].arn
}

# ------------------------------------------------------------- DMS task failures

resource "aws_dms_event_subscription" "task_failure" {
  count = local.dms_enabled && var.failure_reports_enabled ? 1 : 0

  name             = "${local.name}-task-failure"
  enabled          = true
  sns_topic_arn    = aws_sns_topic.this.arn
  source_type      = "replication-task"
  source_ids       = [aws_dms_replication_task.this[0].replication_task_id]
  event_categories = var.dms_failure_event_categories
}

data "aws_iam_policy_document" "reports_topic" {
  statement {
    sid       = "AccountPublishes"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "DmsPublishesTaskEvents"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "reports" {
  count = local.dms_enabled && var.failure_reports_enabled ? 1 : 0

  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.reports_topic.json
}

# The topic is encrypted with the stack's key: DMS may use it to publish, only
# for this account's events (merged into the key policy in kms.tf).
data "aws_iam_policy_document" "kms_dms_notifications" {
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key only
  #checkov:skip=CKV_AWS_356:Same: a key policy's resource is always the key itself
  statement {
    sid       = "DmsPublishesToTheEncryptedTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"] # in a key policy, "*" is this key

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
