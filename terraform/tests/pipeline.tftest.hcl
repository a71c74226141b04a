# terraform test, offline: the AWS provider is mocked, resources get the
# known ARNs below, and assertions check the properties that matter.
# Run from terraform/ (make test-terraform).

mock_provider "aws" {
  source = "./tests/mocks"
}

# A real provider that never reaches AWS: the ephemeral credential read lives
# on this configuration and is only planned (unknown inputs), never opened.
provider "aws" {
  alias                       = "secrets"
  region                      = "eu-west-1"
  access_key                  = "test-not-a-key"
  secret_key                  = "test-not-a-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

# Known ARNs, so the rendered definition and the policies can be checked.
override_resource {
  target = aws_lambda_function.this["seed-source"]
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-seed-source", function_name = "dmsflow-seed-source" }
}
override_resource {
  target = aws_lambda_function.this["start-task"]
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-start-task", function_name = "dmsflow-start-task" }
}
override_resource {
  target = aws_lambda_function.this["poll-task"]
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-poll-task", function_name = "dmsflow-poll-task" }
}
override_resource {
  target = aws_lambda_function.this["validate-tables"]
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-validate-tables", function_name = "dmsflow-validate-tables" }
}
override_resource {
  target = aws_lambda_function.this["report"]
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-report", function_name = "dmsflow-report" }
}
override_resource {
  target = aws_db_instance.this["source"]
  values = {
    address            = "dmsflow-source.abc123.eu-west-1.rds.amazonaws.com"
    port               = 5432
    master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-AbCdEf", secret_status = "active", kms_key_id = "k" }]
  }
}
override_resource {
  target = aws_db_instance.this["target"]
  values = {
    address            = "dmsflow-target.abc123.eu-west-1.rds.amazonaws.com"
    port               = 5432
    master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-target-GhIjKl", secret_status = "active", kms_key_id = "k" }]
  }
}
override_resource {
  target = aws_sfn_state_machine.this
  values = { arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:dmsflow" }
}
override_resource {
  target = aws_dms_replication_task.this
  values = { replication_task_arn = "arn:aws:dms:eu-west-1:123456789012:task:DMSFLOWTASK" }
}

variables {
  lambda_artifacts_dir = "tests/fixtures/lambda-zips"
  # The real definition (the module's default); run "fixture_definition"
  # renders the minimal fixture too.
  state_machine_definition_file = "../statemachine/dmsflow.asl.json"
  # Mock providers cannot open ephemeral resources (Terraform 1.11), so the
  # tests give DMS existing secrets; the copy path is covered by validate.
  dms_endpoint_secret_arns = {
    source = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-source-AAAAAA"
    target = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-target-BBBBBB"
  }
}

run "dms_engine_defaults" {
  command = apply

  # ---- databases: private, encrypted, RDS-managed passwords, logical replication on the source
  assert {
    condition = alltrue([for db in aws_db_instance.this :
      db.publicly_accessible == false && db.storage_encrypted == true && db.manage_master_user_password == true && db.password == null
    ])
    error_message = "Every RDS instance must be private, encrypted and have its password managed by RDS."
  }
  assert {
    condition     = alltrue([for db in aws_db_instance.this : db.engine == "postgres" && db.engine_version == "15"])
    error_message = "Both databases run PostgreSQL 15 by default."
  }
  assert {
    condition     = anytrue([for p in aws_db_parameter_group.source.parameter : p.name == "rds.logical_replication" && p.value == "1"])
    error_message = "The source parameter group must set rds.logical_replication = 1."
  }
  assert {
    condition     = aws_db_instance.this["source"].parameter_group_name == aws_db_parameter_group.source.name
    error_message = "The source must use the logical-replication parameter group."
  }

  # ---- network: no route out, 5432 only from the function and DMS groups
  assert {
    condition     = alltrue([for s in aws_subnet.this : s.map_public_ip_on_launch == false])
    error_message = "Subnets must be private."
  }
  assert {
    condition     = length(aws_route_table.this.route) == 0
    error_message = "The private route table must have no route (no NAT or internet gateway)."
  }
  assert {
    condition = alltrue([for r in concat(values(aws_vpc_security_group_ingress_rule.db_postgres), aws_vpc_security_group_ingress_rule.db_postgres_native) :
      r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.prefix_list_id == null
    ])
    error_message = "PostgreSQL ingress must come from security groups only, never from a CIDR."
  }
  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.db_postgres : r.referenced_security_group_id]) == toset([aws_security_group.lambda.id, aws_security_group.dms[0].id])
    error_message = "PostgreSQL ingress must come from exactly the Lambda and DMS security groups."
  }
  assert {
    condition = alltrue([for r in aws_vpc_security_group_ingress_rule.endpoints_https :
      r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.from_port == 443
    ])
    error_message = "Endpoint ingress must be HTTPS from security groups only."
  }
  assert {
    condition     = alltrue([for sg in [aws_security_group.db, aws_security_group.lambda, aws_security_group.endpoints, aws_security_group.dms[0]] : length(sg.ingress) == 0])
    error_message = "No inline ingress rules: every rule is a separate, checked resource."
  }
  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["secretsmanager", "dms", "monitoring", "rds", "sns"]) && aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway"
    error_message = "Interface endpoints for Secrets Manager, DMS, CloudWatch and SNS, and the S3 gateway endpoint."
  }

  # ---- functions: private subnets, the documented environment, JSON logs
  assert {
    condition = alltrue([for f in aws_lambda_function.this :
      toset(f.vpc_config[0].subnet_ids) == toset(aws_subnet.this[*].id) && f.vpc_config[0].security_group_ids == toset([aws_security_group.lambda.id])
    ])
    error_message = "Every function must run in the private subnets with the Lambda security group."
  }
  assert {
    condition = alltrue([for f in aws_lambda_function.this :
      f.runtime == "provided.al2023" && f.handler == "bootstrap" && f.architectures == tolist(["arm64"]) && f.logging_config[0].log_format == "JSON"
    ])
    error_message = "provided.al2023, bootstrap, arm64 and JSON logs for every function."
  }
  assert {
    condition = toset(keys(aws_lambda_function.this["seed-source"].environment[0].variables)) == toset([
      "SOURCE_SECRET_ARN", "SOURCE_DB_HOST", "SOURCE_DB_PORT", "SOURCE_DB_NAME",
      "TARGET_SECRET_ARN", "TARGET_DB_HOST", "TARGET_DB_PORT", "TARGET_DB_NAME",
      "DB_SCHEMA", "DB_SSLMODE", "DB_CONNECT_TIMEOUT_SECONDS",
    ])
    error_message = "seed-source environment names differ from the contract (contract/dmsflow.contract.json env)."
  }
  assert {
    condition = toset(keys(aws_lambda_function.this["poll-task"].environment[0].variables)) == toset([
      "SOURCE_SECRET_ARN", "SOURCE_DB_HOST", "SOURCE_DB_PORT", "SOURCE_DB_NAME",
      "TARGET_SECRET_ARN", "TARGET_DB_HOST", "TARGET_DB_PORT", "TARGET_DB_NAME",
      "DB_SCHEMA", "DB_SSLMODE", "DB_CONNECT_TIMEOUT_SECONDS",
      "MIGRATION_ENGINE", "DMS_TASK_ARN", "DMS_SOURCE_SLOT", "NATIVE_PUBLICATION", "NATIVE_SUBSCRIPTION", "NATIVE_SOURCE_SSLMODE",
      "IN_SYNC_LAG_SECONDS",
    ])
    error_message = "poll-task environment names differ from the contract (contract/dmsflow.contract.json env)."
  }
  assert {
    condition = toset(keys(aws_lambda_function.this["report"].environment[0].variables)) == toset([
      "REPORT_BUCKET", "REPORT_PREFIX", "REPORT_SNS_TOPIC_ARN", "METRICS_NAMESPACE",
    ])
    error_message = "report environment names differ from the contract (contract/dmsflow.contract.json env)."
  }
  assert {
    # The contract file itself: each function has only variables the contract documents for it, and each it requires.
    condition = alltrue([for name, f in aws_lambda_function.this : alltrue(concat(
      [for v in keys(f.environment[0].variables) : contains(jsondecode(file("../contract/dmsflow.contract.json")).env[v].functions, name)],
      [for v, spec in jsondecode(file("../contract/dmsflow.contract.json")).env : contains(keys(f.environment[0].variables), v) if contains(spec.required_by, name)],
    ))])
    error_message = "A function's environment is not what contract/dmsflow.contract.json declares for it."
  }
  assert {
    condition = alltrue([for f in ["seed-source", "start-task", "poll-task", "validate-tables"] :
      aws_lambda_function.this[f].environment[0].variables["DB_SSLMODE"] == "verify-full"
      && aws_lambda_function.this[f].environment[0].variables["SOURCE_SECRET_ARN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-AbCdEf"
      && aws_lambda_function.this[f].environment[0].variables["TARGET_SECRET_ARN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-target-GhIjKl"
      && aws_lambda_function.this[f].environment[0].variables["SOURCE_DB_HOST"] == "dmsflow-source.abc123.eu-west-1.rds.amazonaws.com"
      && aws_lambda_function.this[f].environment[0].variables["TARGET_DB_PORT"] == "5432"
    ])
    error_message = "Database functions must verify TLS and read the RDS-managed secrets, hosts and ports."
  }
  assert {
    condition     = aws_lambda_function.this["start-task"].environment[0].variables["DMS_TASK_ARN"] == "arn:aws:dms:eu-west-1:123456789012:task:DMSFLOWTASK" && aws_lambda_function.this["start-task"].environment[0].variables["MIGRATION_ENGINE"] == "dms"
    error_message = "start-task drives the DMS task."
  }
  assert {
    condition     = aws_lambda_function.this["validate-tables"].timeout == 900 && tonumber(aws_lambda_function.this["validate-tables"].environment[0].variables["VALIDATE_STATEMENT_TIMEOUT_SECONDS"]) < 900
    error_message = "validate-tables runs up to 900 s and its statements stop before the function does."
  }
  assert {
    condition     = aws_lambda_function.this["seed-source"].reserved_concurrent_executions == 1 && aws_lambda_function.this["validate-tables"].reserved_concurrent_executions == 4 && aws_lambda_function.this["report"].reserved_concurrent_executions == -1
    error_message = "Reserved concurrency protects the databases (seed-source 1, validate-tables 4)."
  }
  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.lambda : g.retention_in_days == 365])
    error_message = "Function log groups have a retention."
  }

  # ---- state machine: rendered with the real ARNs, valid JSON, only those five invokable
  assert {
    condition     = can(jsondecode(aws_sfn_state_machine.this.definition))
    error_message = "The rendered state machine definition must be JSON."
  }
  assert {
    condition = alltrue([for f in aws_lambda_function.this :
      strcontains(aws_sfn_state_machine.this.definition, f.arn)
    ]) && !strcontains(aws_sfn_state_machine.this.definition, "$${")
    error_message = "The definition must reference every function ARN and keep no unrendered placeholder."
  }
  assert {
    condition     = aws_sfn_state_machine.this.logging_configuration[0].level == "ALL" && aws_sfn_state_machine.this.logging_configuration[0].include_execution_data == false && aws_sfn_state_machine.this.tracing_configuration[0].enabled
    error_message = "State machine logging ALL (without execution data by default) and X-Ray tracing."
  }
  assert {
    condition = toset(data.aws_iam_policy_document.sfn.statement[0].actions) == toset(["lambda:InvokeFunction"]) && toset(data.aws_iam_policy_document.sfn.statement[0].resources) == toset(flatten([
      for f in aws_lambda_function.this : [f.arn, "${f.arn}:*"]
    ]))
    error_message = "The state machine role may invoke exactly the five functions (and their versions)."
  }

  # ---- least privilege per function
  assert {
    condition     = toset(data.aws_iam_policy_document.lambda_db_secrets.statement[0].resources) == toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-AbCdEf", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-target-GhIjKl"]) && toset(data.aws_iam_policy_document.lambda_db_secrets.statement[0].actions) == toset(["secretsmanager:GetSecretValue"])
    error_message = "Database functions may read exactly the two RDS-managed secrets."
  }
  assert {
    condition     = data.aws_iam_policy_document.lambda_report.statement[0].resources == toset(["arn:aws:s3:::dmsflow-reports-mock/reports/*"]) && data.aws_iam_policy_document.lambda_report.statement[1].resources == toset([aws_sns_topic.this.arn])
    error_message = "report may write only under the report prefix and publish only to its topic."
  }
  # ---- the Distributed Map: child executions of this machine, its S3 objects only
  assert {
    condition = (
      one([for st in data.aws_iam_policy_document.sfn.statement : st.resources if st.sid == "StartTheMapsChildExecutions"]) == toset(["arn:aws:states:eu-west-1:123456789012:stateMachine:dmsflow"])
      && one([for st in data.aws_iam_policy_document.sfn.statement : st.actions if st.sid == "WatchTheMapsChildExecutions"]) == toset(["states:DescribeExecution", "states:StopExecution"])
      && one([for st in data.aws_iam_policy_document.sfn.statement : st.resources if st.sid == "WatchTheMapsChildExecutions"]) == toset(["arn:aws:states:eu-west-1:123456789012:execution:dmsflow/*:*"])
    )
    error_message = "The state machine may start, describe and stop only its own (child) executions."
  }
  assert {
    condition = (
      one([for st in data.aws_iam_policy_document.sfn.statement : st.resources if st.sid == "ReadTheWorkItems"]) == toset(["arn:aws:s3:::dmsflow-reports-mock/validation/*/items.json"])
      && one([for st in data.aws_iam_policy_document.sfn.statement : st.actions if st.sid == "ReadTheWorkItems"]) == toset(["s3:GetObject"])
      && one([for st in data.aws_iam_policy_document.sfn.statement : st.resources if st.sid == "WriteTheMapResults"]) == toset(["arn:aws:s3:::dmsflow-reports-mock/validation/*/map/*"])
      && one([for st in data.aws_iam_policy_document.sfn.statement : st.actions if st.sid == "WriteTheMapResults"]) == toset(["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"])
    )
    error_message = "The state machine reads only the work items and writes only the Map's results, under the validation prefix."
  }
  assert {
    condition = (
      one([for st in data.aws_iam_policy_document.lambda_validate.statement : st.resources if st.sid == "WriteValidationObjects"]) == toset(["arn:aws:s3:::dmsflow-reports-mock/validation/*"])
      && one([for st in data.aws_iam_policy_document.lambda_validate.statement : st.actions if st.sid == "WriteValidationObjects"]) == toset(["s3:PutObject"])
      && one([for st in data.aws_iam_policy_document.lambda_report.statement : st.resources if st.sid == "ReadValidationResults"]) == toset(["arn:aws:s3:::dmsflow-reports-mock/validation/*"])
      && one([for st in data.aws_iam_policy_document.lambda_report.statement : st.actions if st.sid == "ReadValidationResults"]) == toset(["s3:GetObject"])
      && aws_lambda_function.this["validate-tables"].environment[0].variables["VALIDATION_BUCKET"] == "dmsflow-reports-mock"
      && aws_lambda_function.this["validate-tables"].environment[0].variables["VALIDATION_PREFIX"] == "validation/"
      && !contains(keys(aws_lambda_function.this["report"].environment[0].variables), "VALIDATION_BUCKET")
    )
    error_message = "validate-tables writes and report reads only under the validation prefix; only validate-tables is told the bucket."
  }
  assert {
    condition     = data.aws_iam_policy_document.lambda_dms[0].statement[0].resources == toset(["arn:aws:dms:eu-west-1:123456789012:task:DMSFLOWTASK"])
    error_message = "The engine functions may start/stop only this DMS task."
  }
  assert {
    condition = (
      length(data.aws_iam_policy_document.lambda["seed-source"].source_policy_documents) == 2
      && length(data.aws_iam_policy_document.lambda["validate-tables"].source_policy_documents) == 3
      && length(data.aws_iam_policy_document.lambda["start-task"].source_policy_documents) == 4
      && length(data.aws_iam_policy_document.lambda["poll-task"].source_policy_documents) == 3
      && length(data.aws_iam_policy_document.lambda["report"].source_policy_documents) == 2
    )
    error_message = "Each function gets only its own permission sets (base + secrets, + DMS for the engine functions, + RDS reads for start-task, + its S3 objects for validate-tables, + reports for report)."
  }
  assert {
    condition = (
      toset(data.aws_iam_policy_document.lambda_assess.statement[0].actions) == toset(["rds:DescribeDBInstances"])
      && toset(data.aws_iam_policy_document.lambda_assess.statement[0].resources) == toset([aws_db_instance.this["source"].arn, aws_db_instance.this["target"].arn])
      && toset(data.aws_iam_policy_document.lambda_assess.statement[1].actions) == toset(["rds:DescribeDBParameters"])
      && toset(data.aws_iam_policy_document.lambda_assess.statement[1].resources) == toset([aws_db_parameter_group.source.arn])
    )
    error_message = "start-task's assess may describe only the two instances and read only the source's parameter group."
  }
  assert {
    condition     = aws_lambda_function.this["start-task"].environment[0].variables.SOURCE_DB_INSTANCE_ID == aws_db_instance.this["source"].identifier && aws_lambda_function.this["start-task"].environment[0].variables.TARGET_DB_INSTANCE_ID == aws_db_instance.this["target"].identifier && !contains(keys(aws_lambda_function.this["poll-task"].environment[0].variables), "SOURCE_DB_INSTANCE_ID")
    error_message = "The RDS instance ids go to start-task only (contract/dmsflow.contract.json)."
  }
  assert {
    condition     = data.aws_iam_policy_document.lambda_base["poll-task"].statement[0].resources == toset(["${aws_cloudwatch_log_group.lambda["poll-task"].arn}:*"])
    error_message = "A function writes only to its own log group."
  }
  assert {
    condition     = alltrue([for d in [data.aws_iam_policy_document.lambda_assume, data.aws_iam_policy_document.sfn_assume, data.aws_iam_policy_document.scheduler_assume, data.aws_iam_policy_document.dms_secrets_assume] : anytrue([for c in d.statement[0].condition : c.variable == "aws:SourceAccount" && contains(c.values, "123456789012")])])
    error_message = "Trust policies carry the aws:SourceAccount confused-deputy condition."
  }

  # ---- schedule: validate mode
  assert {
    condition     = jsondecode(aws_scheduler_schedule.this.target[0].input).mode == "validate" && aws_scheduler_schedule.this.target[0].arn == aws_sfn_state_machine.this.arn
    error_message = "The schedule must start the state machine in validate mode."
  }
  assert {
    condition     = aws_scheduler_schedule.this.state == "DISABLED"
    error_message = "The schedule is off until enabled."
  }

  # ---- DMS: full LOB mode, validation, logging, the schema, TLS verify-full, secrets
  assert {
    condition = (
      jsondecode(aws_dms_replication_task.this[0].replication_task_settings).TargetMetadata.FullLobMode == true
      && jsondecode(aws_dms_replication_task.this[0].replication_task_settings).TargetMetadata.LimitedSizeLobMode == false
      && jsondecode(aws_dms_replication_task.this[0].replication_task_settings).TargetMetadata.SupportLobs == true
    )
    error_message = "The DMS task must use full LOB mode (limited LOB mode truncates)."
  }
  assert {
    condition     = jsondecode(aws_dms_replication_task.this[0].replication_task_settings).ValidationSettings.EnableValidation == true && jsondecode(aws_dms_replication_task.this[0].replication_task_settings).Logging.EnableLogging == true
    error_message = "DMS validation and CloudWatch logging must be on."
  }
  assert {
    condition     = contains(["DO_NOTHING", "TRUNCATE_BEFORE_LOAD"], jsondecode(aws_dms_replication_task.this[0].replication_task_settings).FullLoadSettings.TargetTablePrepMode)
    error_message = "DMS must keep the pre-created target schema."
  }
  assert {
    condition     = aws_dms_replication_task.this[0].migration_type == "full-load-and-cdc" && aws_dms_replication_task.this[0].start_replication_task == false
    error_message = "A full-load-and-CDC task, created stopped."
  }
  assert {
    condition     = jsondecode(aws_dms_replication_task.this[0].table_mappings).rules[0]["object-locator"]["schema-name"] == "shop"
    error_message = "The table mappings select the shop schema."
  }
  assert {
    condition = alltrue([for e in [aws_dms_endpoint.source[0], aws_dms_endpoint.target[0]] :
      e.ssl_mode == "verify-full" && e.password == null && e.username == null && e.secrets_manager_arn != null
    ])
    error_message = "DMS endpoints verify TLS and read credentials from Secrets Manager, never from Terraform."
  }
  assert {
    condition     = strcontains(aws_dms_endpoint.target[0].postgres_settings[0].after_connect_script, "session_replication_role")
    error_message = "The target endpoint sets session_replication_role = replica so FKs do not break the full load."
  }
  assert {
    condition     = length(regexall("BEGIN CERTIFICATE", aws_dms_certificate.this[0].certificate_pem)) == 3
    error_message = "DMS trusts the three RDS root CAs of the region, not the whole world's bundle."
  }
  assert {
    condition     = aws_dms_replication_instance.this[0].publicly_accessible == false
    error_message = "The replication instance is private."
  }

  # ---- reports
  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets && aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "The report bucket blocks public access and is versioned."
  }
  assert {
    condition     = aws_sns_topic.this.kms_master_key_id != null && length(aws_sns_topic_subscription.this) == 0
    error_message = "Encrypted topic, no email subscription unless asked."
  }

  # ---- outputs: ARNs and names only
  assert {
    condition     = output.source_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-source-AbCdEf"
    error_message = "The secret output is the ARN."
  }
  assert {
    condition     = output.invoke_commands["validate-tables"] == "make invoke FN=validate-tables EVENT=events/validate-tables-plan.json"
    error_message = "Ready-to-paste make invoke command."
  }
}

# The real statemachine/dmsflow.asl.json: every Lambda task names one of the
# five deployed functions, each of them is used, and nothing else is invoked.
run "real_definition_invokes_the_five_functions" {
  command = apply

  assert {
    condition = toset([
      for m in regexall("\"FunctionName\"\\s*:\\s*\"([^\"]+)\"", aws_sfn_state_machine.this.definition) : m[0]
    ]) == toset([for f in aws_lambda_function.this : f.arn])
    error_message = "Every FunctionName in the definition must be one of the five function ARNs, and all five must be used."
  }
  assert {
    condition     = toset([for r in regexall("\"Resource\"\\s*:\\s*\"([^\"]+)\"", aws_sfn_state_machine.this.definition) : r[0]]) == toset(["arn:aws:states:::lambda:invoke", "arn:aws:states:::s3:getObject", "arn:aws:states:::s3:putObject"])
    error_message = "The definition invokes only Lambda, and S3 for the Distributed Map's ItemReader and ResultWriter (the role allows nothing else)."
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States["Validate tables"].ItemProcessor.ProcessorConfig.Mode == "DISTRIBUTED" && jsondecode(aws_sfn_state_machine.this.definition).States["Validate tables"].ToleratedFailurePercentage == 0
    error_message = "Validation runs in a Distributed Map that tolerates no failed item."
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).StartAt != null
    error_message = "The rendered definition is a state machine."
  }
}

# A list of schemas: one selection rule each, and the same list in DB_SCHEMA;
# none: every schema but the system ones.
run "schema_list_drives_dms_mappings_and_functions" {
  command = plan

  variables {
    db_schemas = ["sales", "stock"]
  }

  assert {
    condition = [for r in jsondecode(aws_dms_replication_task.this[0].table_mappings).rules :
    "${r["rule-action"]}:${r["object-locator"]["schema-name"]}"] == ["include:sales", "include:stock"]
    error_message = "One include rule per listed schema."
  }
  assert {
    condition     = aws_lambda_function.this["validate-tables"].environment[0].variables.DB_SCHEMA == "sales,stock"
    error_message = "The functions get the same list."
  }
}

run "no_schema_listed_means_every_user_schema" {
  command = plan

  variables {
    db_schemas = []
  }

  assert {
    condition = [for r in jsondecode(aws_dms_replication_task.this[0].table_mappings).rules :
      "${r["rule-action"]}:${r["object-locator"]["schema-name"]}"] == [
      "include:%", "exclude:pg_catalog", "exclude:information_schema"
    ]
    error_message = "Every schema but the system ones."
  }
  assert {
    condition     = aws_lambda_function.this["validate-tables"].environment[0].variables.DB_SCHEMA == ""
    error_message = "An empty DB_SCHEMA: every user schema."
  }
}

run "fixture_definition" {
  command = apply

  variables {
    state_machine_definition_file = "tests/fixtures/minimal.asl.json"
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.Validate.Parameters.FunctionName == "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-validate-tables"
    error_message = "templatefile puts each function ARN in its placeholder."
  }
}

# Every output, as text, holds no password field: ARNs and names only.
run "outputs_hold_no_secret" {
  command = apply

  assert {
    condition = alltrue([for text in [
      jsonencode(output.function_names), output.source_endpoint, output.target_endpoint, output.source_secret_arn,
      output.target_secret_arn, output.report_bucket, jsonencode(output.invoke_commands), jsonencode(output.start_commands),
      output.state_machine_arn, output.dms_task_arn,
    ] : !strcontains(lower(text), "password")])
    error_message = "No output may carry a password."
  }
}

run "native_engine_has_no_dms" {
  command = apply

  variables {
    migration_engine         = "native"
    dms_endpoint_secret_arns = {}
  }

  assert {
    condition     = length(aws_dms_replication_task.this) == 0 && length(aws_dms_replication_instance.this) == 0 && length(aws_dms_endpoint.source) == 0 && length(aws_iam_role.dms_vpc) == 0
    error_message = "No DMS resources with the native engine."
  }
  assert {
    condition     = !contains(keys(aws_vpc_endpoint.interface), "dms")
    error_message = "No DMS endpoint (cost) with the native engine."
  }
  assert {
    condition     = aws_lambda_function.this["start-task"].environment[0].variables["MIGRATION_ENGINE"] == "native" && aws_lambda_function.this["poll-task"].environment[0].variables["DMS_TASK_ARN"] == ""
    error_message = "The engine functions run the native engine."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_postgres_native[0].referenced_security_group_id == aws_security_group.db.id && toset(keys(aws_vpc_security_group_ingress_rule.db_postgres)) == toset(["lambda"])
    error_message = "Native: 5432 from the functions and from the target server (same group), nothing else."
  }
  assert {
    condition     = output.dms_task_arn == null && output.invoke_commands["poll-task"] == "make invoke FN=poll-task EVENT=events/poll-task-native.json"
    error_message = "Outputs follow the engine."
  }
}

run "existing_dms_service_roles_are_not_created" {
  command = plan

  variables {
    create_dms_service_roles = false
  }

  assert {
    condition     = length(aws_iam_role.dms_vpc) == 0 && length(aws_iam_role.dms_cloudwatch_logs) == 0 && length(aws_dms_replication_instance.this) == 1
    error_message = "create_dms_service_roles = false leaves dms-vpc-role and dms-cloudwatch-logs-role alone."
  }
}

run "missing_zips_fail_with_make_build_hint" {
  command = plan

  variables {
    lambda_artifacts_dir = "tests/fixtures/no-such-dir"
  }

  expect_failures = [aws_lambda_function.this]
}

# No silent end (terraform/failure_reports.tf).
run "failed_timed_out_or_aborted_executions_reach_report" {
  command = apply

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.execution_ended[0].event_pattern) == {
      source        = ["aws.states"]
      "detail-type" = ["Step Functions Execution Status Change"]
      detail = {
        status          = ["FAILED", "TIMED_OUT", "ABORTED"]
        stateMachineArn = ["arn:aws:states:eu-west-1:123456789012:stateMachine:dmsflow"]
      }
    }
    error_message = "The rule matches only this state machine's failed, timed-out and aborted executions."
  }
  assert {
    condition     = aws_cloudwatch_event_target.execution_ended_report[0].arn == "arn:aws:lambda:eu-west-1:123456789012:function:dmsflow-report" && aws_cloudwatch_event_target.execution_ended_report[0].retry_policy[0].maximum_retry_attempts == 3
    error_message = "The rule invokes the report function, retrying a few times."
  }
  assert {
    condition     = aws_lambda_permission.execution_ended_report[0].principal == "events.amazonaws.com" && aws_lambda_permission.execution_ended_report[0].source_arn == aws_cloudwatch_event_rule.execution_ended[0].arn && aws_lambda_permission.execution_ended_report[0].function_name == "dmsflow-report"
    error_message = "Only this rule may invoke report through EventBridge."
  }
  assert {
    condition     = output.failure_report_rule_arn == aws_cloudwatch_event_rule.execution_ended[0].arn
    error_message = "The rule's ARN is an output."
  }
  assert {
    condition     = aws_dms_event_subscription.task_failure[0].source_type == "replication-task" && aws_dms_event_subscription.task_failure[0].source_ids == toset([aws_dms_replication_task.this[0].replication_task_id]) && aws_dms_event_subscription.task_failure[0].event_categories == toset(["failure"]) && aws_dms_event_subscription.task_failure[0].sns_topic_arn == aws_sns_topic.this.arn
    error_message = "The DMS task's failure events go to the report topic."
  }
  assert {
    condition     = aws_sns_topic_policy.reports[0].arn == aws_sns_topic.this.arn && data.aws_iam_policy_document.reports_topic.statement[1].actions == toset(["sns:Publish"]) && one(data.aws_iam_policy_document.reports_topic.statement[1].principals).type == "Service" && one(one(data.aws_iam_policy_document.reports_topic.statement[1].principals).identifiers) == "dms.amazonaws.com" && one(data.aws_iam_policy_document.reports_topic.statement[1].condition).test == "StringEquals" && one(data.aws_iam_policy_document.reports_topic.statement[1].condition).variable == "aws:SourceAccount" && one(one(data.aws_iam_policy_document.reports_topic.statement[1].condition).values) == "123456789012"
    error_message = "The topic lets DMS publish, for this account only."
  }
  assert {
    condition     = one(data.aws_iam_policy_document.kms.override_policy_documents) == data.aws_iam_policy_document.kms_dms_notifications.json && one(data.aws_iam_policy_document.kms_dms_notifications.statement[0].principals).type == "Service" && one(one(data.aws_iam_policy_document.kms_dms_notifications.statement[0].principals).identifiers) == "dms.amazonaws.com" && one(data.aws_iam_policy_document.kms_dms_notifications.statement[0].condition).test == "StringEquals" && one(data.aws_iam_policy_document.kms_dms_notifications.statement[0].condition).variable == "aws:SourceAccount" && one(one(data.aws_iam_policy_document.kms_dms_notifications.statement[0].condition).values) == "123456789012"
    error_message = "DMS may use the key of the encrypted topic, for this account only."
  }
  assert {
    condition     = data.aws_iam_policy_document.lambda_report.statement[3].actions == toset(["s3:GetObject"]) && data.aws_iam_policy_document.lambda_report.statement[3].resources == toset(["arn:aws:s3:::dmsflow-reports-mock/reports/*"]) && data.aws_iam_policy_document.lambda_report.statement[4].actions == toset(["s3:ListBucket"]) && data.aws_iam_policy_document.lambda_report.statement[4].resources == toset(["arn:aws:s3:::dmsflow-reports-mock"]) && one(data.aws_iam_policy_document.lambda_report.statement[4].condition).test == "StringLike" && one(data.aws_iam_policy_document.lambda_report.statement[4].condition).variable == "s3:prefix" && one(one(data.aws_iam_policy_document.lambda_report.statement[4].condition).values) == "reports/*"
    error_message = "report may look up reports under its prefix only (a missing one answers 404)."
  }
}

run "failure_reports_off_and_native_engine" {
  command = plan

  variables {
    failure_reports_enabled = false
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.execution_ended) == 0 && length(aws_lambda_permission.execution_ended_report) == 0 && length(aws_dms_event_subscription.task_failure) == 0 && length(aws_sns_topic_policy.reports) == 0
    error_message = "failure_reports_enabled = false creates none of it."
  }
}

run "native_engine_keeps_the_rule_without_dms_events" {
  command = plan

  variables {
    migration_engine         = "native"
    dms_endpoint_secret_arns = {}
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.execution_ended) == 1 && length(aws_dms_event_subscription.task_failure) == 0
    error_message = "Native: the status-change rule, no DMS subscription."
  }
}
