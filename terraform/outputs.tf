# No output carries a secret value: credentials stay in Secrets Manager and
# only their ARNs are shown.

locals {
  example_events = {
    "seed-source"     = "events/seed-source-load.json"
    "start-task"      = "events/start-task-start.json"
    "poll-task"       = "events/poll-task-${var.migration_engine}.json"
    "validate-tables" = "events/validate-tables-plan.json"
    "report"          = "events/report-failure.json"
  }
}

output "state_machine_arn" {
  description = "ARN of the dmsflow state machine (make start runs it)."
  value       = aws_sfn_state_machine.this.arn
}

output "function_names" {
  description = "Deployed Lambda function name of each function (make invoke FN=<key> looks its name up here)."
  value       = { for f, fn in aws_lambda_function.this : f => fn.function_name }
}

output "source_endpoint" {
  description = "Source database host:port (private; reachable from the VPC only)."
  value       = "${aws_db_instance.this["source"].address}:${aws_db_instance.this["source"].port}"
}

output "target_endpoint" {
  description = "Target database host:port (private; reachable from the VPC only)."
  value       = "${aws_db_instance.this["target"].address}:${aws_db_instance.this["target"].port}"
}

output "database_name" {
  description = "Database name on both instances."
  value       = var.database_name
}

output "source_secret_arn" {
  description = "ARN of the RDS-managed secret with the source master credentials (the ARN only, never the value)."
  value       = aws_db_instance.this["source"].master_user_secret[0].secret_arn
}

output "target_secret_arn" {
  description = "ARN of the RDS-managed secret with the target master credentials (the ARN only, never the value)."
  value       = aws_db_instance.this["target"].master_user_secret[0].secret_arn
}

output "migration_engine" {
  description = "MIGRATION_ENGINE the functions are deployed with."
  value       = var.migration_engine
}

output "dms_task_arn" {
  description = "ARN of the DMS full-load-and-CDC task (null with the native engine)."
  value       = local.dms_enabled ? aws_dms_replication_task.this[0].replication_task_arn : null
}

output "report_bucket" {
  description = "S3 bucket the report function writes to (under report_prefix)."
  value       = aws_s3_bucket.this.bucket
}

output "report_prefix" {
  description = "Key prefix of the reports in report_bucket."
  value       = var.report_prefix
}

output "report_topic_arn" {
  description = "SNS topic that receives one short notification per report."
  value       = aws_sns_topic.this.arn
}

output "validate_schedule_name" {
  description = "EventBridge Scheduler schedule that starts validate runs (enabled: var.schedule_enabled)."
  value       = aws_scheduler_schedule.this.name
}

output "invoke_commands" {
  description = "Ready-to-paste commands that invoke each deployed function with an example event (run from the repository root)."
  value       = { for f in local.functions : f => "make invoke FN=${f} EVENT=${local.example_events[f]}" }
}

output "start_commands" {
  description = "Ready-to-paste commands that start the state machine (run from the repository root)."
  value = {
    demo     = "make start INPUT='{\"mode\":\"migrate\",\"seed\":{\"scale\":1},\"cdc_proof\":{\"count\":100}}'"
    migrate  = "make start INPUT='{\"mode\":\"migrate\"}'"
    validate = "make start INPUT='{\"mode\":\"validate\"}'"
  }
}

output "failure_report_rule_arn" {
  description = "ARN of the EventBridge rule that sends a failed, timed-out or aborted execution to the report function (null when failure_reports_enabled is false)."
  value       = one(aws_cloudwatch_event_rule.execution_ended[*].arn)
}
