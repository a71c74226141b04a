# The pipeline: statemachine/dmsflow.asl.json rendered with the real function ARNs.

resource "aws_cloudwatch_log_group" "sfn" {
  # The vended-logs prefix keeps the log resource policy Step Functions writes small.
  name              = "/aws/vendedlogs/states/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data (payloads with sample rows of differing tables) is logged only when var.sfn_include_execution_data is set; level ALL is always on
  name     = local.name
  role_arn = aws_iam_role.sfn.arn
  type     = "STANDARD"

  definition = templatefile(local.definition_file, {
    seed_source_arn     = aws_lambda_function.this["seed-source"].arn
    start_task_arn      = aws_lambda_function.this["start-task"].arn
    poll_task_arn       = aws_lambda_function.this["poll-task"].arn
    validate_tables_arn = aws_lambda_function.this["validate-tables"].arn
    report_arn          = aws_lambda_function.this["report"].arn
  })

  logging_configuration {
    level                  = "ALL"
    include_execution_data = var.sfn_include_execution_data
    log_destination        = "${aws_cloudwatch_log_group.sfn.arn}:*"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.sfn]
}
