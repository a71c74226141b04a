# The five functions: cargo-lambda zips on provided.al2023, in the private
# subnets, configured only through the environment variables of the contract
# (contract/dmsflow.contract.json, generated from the Rust contract module).
#
# lambda_settings holds every value Terraform gives; each function gets those
# the contract says it reads (so no function gets a variable meant for another),
# and a precondition below refuses a plan that leaves out one a function
# requires. scripts/check-terraform-env.py checks the same from outside
# (make lint-terraform).

locals {
  source_db = aws_db_instance.this["source"]
  target_db = aws_db_instance.this["target"]

  contract = jsondecode(file("${path.module}/../contract/dmsflow.contract.json"))
  env_spec = local.contract.env

  # validate-tables: a statement may run at most until a minute before the function times out.
  validate_statement_timeout = max(30, min(600, var.lambda_sizing["validate-tables"].timeout - 60))

  lambda_settings = {
    SOURCE_SECRET_ARN          = local.source_db.master_user_secret[0].secret_arn
    SOURCE_DB_HOST             = local.source_db.address
    SOURCE_DB_PORT             = tostring(local.source_db.port)
    SOURCE_DB_NAME             = var.database_name
    TARGET_SECRET_ARN          = local.target_db.master_user_secret[0].secret_arn
    TARGET_DB_HOST             = local.target_db.address
    TARGET_DB_PORT             = tostring(local.target_db.port)
    TARGET_DB_NAME             = var.database_name
    DB_SCHEMA                  = join(",", var.db_schemas)
    DB_SSLMODE                 = local.env_spec.DB_SSLMODE.default
    DB_CONNECT_TIMEOUT_SECONDS = tostring(local.env_spec.DB_CONNECT_TIMEOUT_SECONDS.default)
    MIGRATION_ENGINE           = var.migration_engine
    # Empty with the native engine: the functions treat an empty variable as unset.
    DMS_TASK_ARN                       = local.dms_enabled ? aws_dms_replication_task.this[0].replication_task_arn : ""
    DMS_SOURCE_SLOT                    = var.dms_source_slot
    NATIVE_PUBLICATION                 = local.env_spec.NATIVE_PUBLICATION.default
    NATIVE_SUBSCRIPTION                = local.env_spec.NATIVE_SUBSCRIPTION.default
    NATIVE_SOURCE_SSLMODE              = "require" # RDS cannot read a CA file of ours
    SOURCE_DB_INSTANCE_ID              = local.source_db.identifier
    TARGET_DB_INSTANCE_ID              = local.target_db.identifier
    IN_SYNC_LAG_SECONDS                = tostring(var.in_sync_lag_seconds)
    VALIDATE_WORKERS                   = tostring(var.validate_workers)
    VALIDATE_STATEMENT_TIMEOUT_SECONDS = tostring(local.validate_statement_timeout)
    VALIDATION_BUCKET                  = aws_s3_bucket.this.bucket
    VALIDATION_PREFIX                  = var.validation_prefix
    REPORT_BUCKET                      = aws_s3_bucket.this.bucket
    REPORT_PREFIX                      = var.report_prefix
    REPORT_SNS_TOPIC_ARN               = aws_sns_topic.this.arn
    METRICS_NAMESPACE                  = var.metrics_namespace
  }

  # A name the contract does not know fails here (no such attribute of env_spec).
  lambda_environment = {
    for f in local.functions : f => {
      for name, value in local.lambda_settings : name => value
      if contains(local.env_spec[name].functions, f)
    }
  }

  # What each function must be given: the contract's required_by, and one of each env_one_of group.
  lambda_env_missing = {
    for f in local.functions : f => concat(
      [for name, spec in local.env_spec : name if contains(spec.required_by, f) && !contains(keys(local.lambda_environment[f]), name)],
      [for g in local.contract.env_one_of : join(" or ", g.variables) if g.function == f && length(setintersection(g.variables, keys(local.lambda_environment[f]))) == 0],
    )
  }

  lambda_zip = { for f in local.functions : f => "${local.artifacts_dir}/${f}/bootstrap.zip" }
}

resource "aws_cloudwatch_log_group" "lambda" {
  for_each = local.functions

  name              = "/aws/lambda/${local.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches errors; a DLQ only serves asynchronous invocations
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile; the zips are built locally from this repository by make build
  #checkov:skip=CKV_AWS_173:The environment holds no secret (ARNs, host names, settings); credentials are read from Secrets Manager at run time
  function_name = "${local.name}-${each.key}"
  description   = "dmsflow ${each.key}"
  role          = aws_iam_role.lambda[each.key].arn

  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.lambda_architecture]
  filename      = local.lambda_zip[each.key]
  # fileexists keeps plan/validate from failing with a cryptic read error; the precondition explains.
  source_code_hash = fileexists(local.lambda_zip[each.key]) ? filebase64sha256(local.lambda_zip[each.key]) : null

  memory_size                    = var.lambda_sizing[each.key].memory
  timeout                        = var.lambda_sizing[each.key].timeout
  reserved_concurrent_executions = lookup(var.lambda_reserved_concurrency, each.key, -1)

  vpc_config {
    subnet_ids         = aws_subnet.this[*].id
    security_group_ids = [aws_security_group.lambda.id]
  }

  environment {
    variables = local.lambda_environment[each.key]
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda[each.key].name
  }

  tracing_config {
    mode = "Active"
  }

  lifecycle {
    precondition {
      condition     = length(local.lambda_env_missing[each.key]) == 0
      error_message = "${each.key} needs ${join(", ", local.lambda_env_missing[each.key])} (contract/dmsflow.contract.json required_by / env_one_of): set it in local.lambda_settings."
    }
    precondition {
      condition     = fileexists(local.lambda_zip[each.key])
      error_message = "Missing ${local.lambda_zip[each.key]}: run `make build` (cargo lambda build --release --output-format zip) first, or set lambda_artifacts_dir."
    }
  }

  depends_on = [aws_iam_role_policy.lambda]
}
