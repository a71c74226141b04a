# IAM: one role per function, least privilege, every document an
# aws_iam_policy_document. Trust policies carry confused-deputy conditions.

locals {
  db_functions     = toset(["seed-source", "start-task", "poll-task", "validate-tables"])
  engine_functions = toset(["start-task", "poll-task"])

  db_secret_arns = [for k, db in aws_db_instance.this : db.master_user_secret[0].secret_arn]
}

# ----------------------------------------------------------------- Lambda

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "lambda" {
  for_each = local.functions

  name               = "${local.name}-${each.key}"
  description        = "dmsflow ${each.key} function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "lambda_base" {
  for_each = local.functions

  #checkov:skip=CKV_AWS_111:ENI and X-Ray actions as in AWSLambdaVPCAccessExecutionRole/AWSXRayDaemonWriteAccess; EC2 cannot scope them to one function
  #checkov:skip=CKV_AWS_356:Same: these EC2 network-interface and X-Ray actions take no resource ARN a function could be limited to

  # Only its own log group, which Terraform creates (no CreateLogGroup).
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:*"]
  }

  # AWSLambdaVPCAccessExecutionRole equivalent: Lambda manages the function's ENIs.
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "XRayTracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "lambda_db_secrets" {
  statement {
    sid       = "ReadDatabaseCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.db_secret_arns
  }

  statement {
    sid       = "DecryptDatabaseCredentials"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.${local.dns_suffix}"]
    }
  }
}

data "aws_iam_policy_document" "lambda_dms" {
  count = local.dms_enabled ? 1 : 0

  # dms:Describe* (tasks, instances, connections) and cloudwatch:GetMetric* take no resource ARN.
  statement {
    sid       = "DriveTheTask"
    actions   = ["dms:StartReplicationTask", "dms:StopReplicationTask", "dms:DescribeTableStatistics"]
    resources = [aws_dms_replication_task.this[0].replication_task_arn]
  }

  statement {
    sid     = "TestTheEndpoints"
    actions = ["dms:TestConnection"]
    resources = [
      aws_dms_replication_instance.this[0].replication_instance_arn,
      aws_dms_endpoint.source[0].endpoint_arn,
      aws_dms_endpoint.target[0].endpoint_arn,
    ]
  }

  statement {
    sid = "DescribeIsAccountWide"
    actions = [
      "dms:DescribeReplicationTasks",
      "dms:DescribeReplicationInstances",
      "dms:DescribeConnections",
    ]
    resources = ["*"]
  }

  # CDC lag: CDCLatencySource + CDCLatencyTarget.
  statement {
    sid       = "ReadCdcLatency"
    actions   = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"]
    resources = ["*"]
  }
}

# start-task assess: the RDS checks read the two instances and the source's
# parameter group (rds.logical_replication, slot and sender settings).
data "aws_iam_policy_document" "lambda_assess" {
  statement {
    sid       = "DescribeTheInstances"
    actions   = ["rds:DescribeDBInstances"]
    resources = [local.source_db.arn, local.target_db.arn]
  }

  statement {
    sid       = "ReadTheSourceParameters"
    actions   = ["rds:DescribeDBParameters"]
    resources = [aws_db_parameter_group.source.arn]
  }
}

# validate-tables: a run's plan, work items and item results (contract::map), nothing else.
data "aws_iam_policy_document" "lambda_validate" {
  statement {
    sid       = "WriteValidationObjects"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.validation_prefix}*"]
  }

  statement {
    sid       = "EncryptValidationObjects"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.${local.dns_suffix}"]
    }
  }
}

data "aws_iam_policy_document" "lambda_report" {
  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.report_prefix}*"]
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]
  }

  # SSE-KMS objects and the encrypted topic.
  statement {
    sid       = "EncryptReportsAndNotifications"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.${local.dns_suffix}", "sns.${local.region}.${local.dns_suffix}"]
    }
  }

  # No silent end (failure_reports.tf): HeadObject on the execution's report
  # (GetObject), and ListBucket under the prefix so a missing one is a 404, not a 403.
  statement {
    sid       = "FindTheExecutionsReport"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.report_prefix}*"]
  }

  statement {
    sid       = "TellAMissingReport"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.report_prefix}*"]
    }
  }

  # The Distributed Map's results (the plan, the ResultWriter files, each item's result).
  statement {
    sid       = "ReadValidationResults"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.validation_prefix}*"]
  }
}

data "aws_iam_policy_document" "lambda" {
  for_each = local.functions

  source_policy_documents = concat(
    [data.aws_iam_policy_document.lambda_base[each.key].json],
    contains(local.db_functions, each.key) ? [data.aws_iam_policy_document.lambda_db_secrets.json] : [],
    contains(local.engine_functions, each.key) && local.dms_enabled ? [data.aws_iam_policy_document.lambda_dms[0].json] : [],
    each.key == "start-task" ? [data.aws_iam_policy_document.lambda_assess.json] : [],
    each.key == "validate-tables" ? [data.aws_iam_policy_document.lambda_validate.json] : [],
    each.key == "report" ? [data.aws_iam_policy_document.lambda_report.json] : [],
  )
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.functions

  name   = "${local.name}-${each.key}"
  role   = aws_iam_role.lambda[each.key].id
  policy = data.aws_iam_policy_document.lambda[each.key].json
}

# ----------------------------------------------------------------- Step Functions

data "aws_iam_policy_document" "sfn_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "sfn" {
  name               = "${local.name}-state-machine"
  description        = "dmsflow state machine: invokes the five functions"
  assume_role_policy = data.aws_iam_policy_document.sfn_assume.json
}

data "aws_iam_policy_document" "sfn" {
  # Log delivery and X-Ray actions take no resource ARN (Step Functions logging/tracing docs).
  statement {
    sid     = "InvokeTheFiveFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for f in local.functions : [aws_lambda_function.this[f].arn, "${aws_lambda_function.this[f].arn}:*"]
    ])
  }

  statement {
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid = "XRayTracing"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }

  # The Distributed Map ("Validate tables"): its child executions are
  # executions of this state machine (execution:<name>/<map run>:<child>).
  statement {
    sid       = "StartTheMapsChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "WatchTheMapsChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.name}/*:*"]
  }

  # ItemReader: the work items the plan wrote (<prefix><run>/items.json).
  statement {
    sid       = "ReadTheWorkItems"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.validation_prefix}*/items.json"]
  }

  # ResultWriter: the children's outputs under <prefix><run>/map/ (multipart uploads).
  statement {
    sid       = "WriteTheMapResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.this.arn}/${var.validation_prefix}*/map/*"]
  }

  # The bucket is SSE-KMS with the deployment's key.
  statement {
    sid       = "UseTheBucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_role_policy" "sfn" {
  name   = "${local.name}-state-machine"
  role   = aws_iam_role.sfn.id
  policy = data.aws_iam_policy_document.sfn.json
}

# ----------------------------------------------------------------- EventBridge Scheduler

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    # Scheduler presents the schedule group as the source (Scheduler guide,
    # confused deputy prevention).
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule-group/default"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "dmsflow validate schedule: starts the state machine"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.this.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# ----------------------------------------------------------------- DMS

# The account-wide roles DMS's control plane assumes by name (also before any
# replication instance exists): AWS's documented trust policy, without
# conditions. DMS honours aws:SourceAccount only from engine 3.4.7 on, so a
# condition here could lock out the subnet group itself.
data "aws_iam_policy_document" "dms_service_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }
  }
}

# The endpoints' secrets role, assumed by replication instances of this account.
data "aws_iam_policy_document" "dms_secrets_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type = "Service"
      # The DMS guide gives the regional principal for secrets access roles.
      identifiers = ["dms.amazonaws.com", "dms.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# Account-wide roles DMS looks up by name. Created only when absent.
resource "aws_iam_role" "dms_vpc" {
  count = local.dms_enabled && var.create_dms_service_roles ? 1 : 0

  name               = "dms-vpc-role"
  description        = "DMS manages the replication instance's network interfaces"
  assume_role_policy = data.aws_iam_policy_document.dms_service_assume.json
}

resource "aws_iam_role_policy_attachment" "dms_vpc" {
  count = local.dms_enabled && var.create_dms_service_roles ? 1 : 0

  role       = aws_iam_role.dms_vpc[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonDMSVPCManagementRole"
}

resource "aws_iam_role" "dms_cloudwatch_logs" {
  count = local.dms_enabled && var.create_dms_service_roles ? 1 : 0

  name               = "dms-cloudwatch-logs-role"
  description        = "DMS writes task logs to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.dms_service_assume.json
}

resource "aws_iam_role_policy_attachment" "dms_cloudwatch_logs" {
  count = local.dms_enabled && var.create_dms_service_roles ? 1 : 0

  role       = aws_iam_role.dms_cloudwatch_logs[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"
}

# The endpoints read their credentials through this role.
resource "aws_iam_role" "dms_secrets" {
  count = local.dms_enabled ? 1 : 0

  name               = "${local.name}-dms-secrets"
  description        = "DMS endpoints read their credential secrets"
  assume_role_policy = data.aws_iam_policy_document.dms_secrets_assume.json
}

data "aws_iam_policy_document" "dms_secrets" {
  count = local.dms_enabled ? 1 : 0

  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = values(local.dms_secret_arns)
  }

  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_role_policy" "dms_secrets" {
  count = local.dms_enabled ? 1 : 0

  name   = "${local.name}-dms-secrets"
  role   = aws_iam_role.dms_secrets[0].id
  policy = data.aws_iam_policy_document.dms_secrets[0].json
}

# ----------------------------------------------------------------- VPC flow logs

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc-flow-log/*"]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name               = "${local.name}-flow-logs"
  description        = "VPC flow logs delivery to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  statement {
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
    ]
    resources = [aws_cloudwatch_log_group.flow_logs[0].arn, "${aws_cloudwatch_log_group.flow_logs[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name   = "${local.name}-flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs[0].json
}
