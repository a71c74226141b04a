# Recurring validation while CDC runs: starts the state machine in validate mode.

resource "aws_scheduler_schedule" "this" {
  #checkov:skip=CKV_AWS_297:The schedule holds only a constant execution input (no data, no secret); an AWS-owned key encrypts it
  name        = "${local.name}-validate"
  group_name  = "default"
  description = "dmsflow: validate the target against the source"

  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.this.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = var.schedule_input

    # A missed validation is retried once; the next one comes anyway.
    retry_policy {
      maximum_retry_attempts       = 1
      maximum_event_age_in_seconds = 3600
    }
  }
}
