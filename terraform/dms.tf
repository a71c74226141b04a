# AWS DMS: a full-load-and-CDC task from the source to the target, created
# stopped (start-task starts it). Nothing here exists with the native engine.
#
# Credentials: DMS cannot use the RDS-managed master secrets, which hold only
# username and password (DMS reads host and port from the secret, and an
# endpoint takes either a secret or clear-text server/port/user/password,
# never both). So each endpoint gets its own secret: the RDS-managed
# credentials are read through an ephemeral resource and written with the
# write-only secret_string_wo, merged with host/port/dbname. The password is
# never in the plan or the state. RDS rotates its secret every 7 days; after a
# rotation bump var.dms_credentials_version to copy it again (docs/deploy.md).
# Or bring your own secrets (var.dms_endpoint_secret_arns), e.g. for a
# dedicated DMS database user; then nothing is copied.

locals {
  dms_copy_credentials = local.dms_enabled && length(var.dms_endpoint_secret_arns) == 0
  dms_secret_arns = local.dms_copy_credentials ? { for k, s in aws_secretsmanager_secret.dms : k => s.arn } : (
    local.dms_enabled ? var.dms_endpoint_secret_arns : {}
  )

  # The RDS CAs of the deployment region (root CAs RSA2048/RSA4096/ECC384),
  # picked from the repository's bundle of every region.
  ca_certificates = [
    for m in regexall("# subject=([^\n]*)\n(-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----)", file(local.ca_bundle_file)) :
    m[1] if strcontains(m[0], "CN=Amazon RDS ${local.region} Root CA")
  ]

  task_settings = {
    TargetMetadata = {
      # Full LOB mode: limited LOB mode truncates values over LobMaxSize
      # (product descriptions are over 64 KB).
      SupportLobs        = true
      FullLobMode        = true
      LimitedSizeLobMode = false
      LobChunkSize       = 64
      LobMaxSize         = 0
      InlineLobMaxSize   = 0
      BatchApplyEnabled  = false
    }
    FullLoadSettings = {
      # The target schema is created from sql/ by the pipeline: keep it.
      TargetTablePrepMode             = var.dms_target_table_prep_mode
      CreatePkAfterFullLoad           = false
      StopTaskCachedChangesApplied    = false
      StopTaskCachedChangesNotApplied = false
      MaxFullLoadSubTasks             = 8
      CommitRate                      = 10000
    }
    ValidationSettings = {
      EnableValidation = true
      ValidationMode   = "ROW_LEVEL"
      ThreadCount      = 5
      FailureMaxCount  = 10000
      ValidationOnly   = false
    }
    # DMS's own tables go to a schema of their own, never into the validated one.
    ControlTablesSettings = {
      ControlSchema               = "awsdms_control"
      HistoryTableEnabled         = false
      SuspendedTablesTableEnabled = false
      StatusTableEnabled          = false
    }
    Logging = {
      EnableLogging = true
      LogComponents = [
        for id in ["SOURCE_UNLOAD", "SOURCE_CAPTURE", "TARGET_LOAD", "TARGET_APPLY", "TASK_MANAGER", "VALIDATOR_EXT"] :
        { Id = id, Severity = "LOGGER_SEVERITY_DEFAULT" }
      ]
    }
  }

  # One selection rule per schema; none listed: every schema but the
  # system ones (the same selection the validator makes by default).
  schema_rules = [for i, schema in var.db_schemas : {
    "rule-type"      = "selection"
    "rule-id"        = tostring(i + 1)
    "rule-name"      = "include-${schema}"
    "object-locator" = { "schema-name" = schema, "table-name" = "%" }
    "rule-action"    = "include"
  }]
  every_schema_rules = [for i, rule in [
    { name = "include-every-schema", schema = "%", action = "include" },
    { name = "exclude-pg_catalog", schema = "pg_catalog", action = "exclude" },
    { name = "exclude-information_schema", schema = "information_schema", action = "exclude" },
    ] : {
    "rule-type"      = "selection"
    "rule-id"        = tostring(i + 1)
    "rule-name"      = rule.name
    "object-locator" = { "schema-name" = rule.schema, "table-name" = "%" }
    "rule-action"    = rule.action
  } if length(var.db_schemas) == 0]
  table_mappings = { rules = concat(local.schema_rules, local.every_schema_rules) }
}

resource "aws_dms_certificate" "this" {
  count = local.dms_enabled ? 1 : 0

  certificate_id  = "${local.name}-rds-ca"
  certificate_pem = join("\n", local.ca_certificates)

  lifecycle {
    precondition {
      condition     = length(local.ca_certificates) > 0
      error_message = "No Amazon RDS root CA for region ${local.region} in ${var.ca_bundle_file}: refresh it with scripts/refresh-rds-ca.sh."
    }
  }
}

resource "aws_dms_replication_subnet_group" "this" {
  count = local.dms_enabled ? 1 : 0

  replication_subnet_group_id          = local.name
  replication_subnet_group_description = "dmsflow private subnets"
  subnet_ids                           = aws_subnet.this[*].id

  # IAM propagation race: CreateReplicationSubnetGroup fails with
  # AccessDeniedFault while a just-created dms-vpc-role is not yet visible to
  # DMS. Ordering after the policy attachment (not just the role) plus the
  # provider's own retry of that error (up to 2 minutes) covers it.
  depends_on = [aws_iam_role_policy_attachment.dms_vpc]
}

# DMS writes task logs to dms-tasks-<instance id>; created here so it has a
# retention and the stack's key (DMS would create one that never expires).
resource "aws_cloudwatch_log_group" "dms" {
  count = local.dms_enabled ? 1 : 0

  name              = "dms-tasks-${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_dms_replication_instance" "this" {
  count = local.dms_enabled ? 1 : 0

  replication_instance_id     = local.name
  replication_instance_class  = var.dms_instance_class
  allocated_storage           = var.dms_allocated_storage
  engine_version              = var.dms_engine_version
  replication_subnet_group_id = aws_dms_replication_subnet_group.this[0].id
  vpc_security_group_ids      = [aws_security_group.dms[0].id]
  publicly_accessible         = false
  multi_az                    = false
  auto_minor_version_upgrade  = true
  apply_immediately           = true
  kms_key_arn                 = aws_kms_key.this.arn

  depends_on = [aws_iam_role_policy_attachment.dms_vpc, aws_cloudwatch_log_group.dms]
}

# ----------------------------------------------------------------- credentials

ephemeral "aws_secretsmanager_secret_version" "master" {
  for_each = local.dms_copy_credentials ? local.databases : {}
  provider = aws.secrets

  secret_id = aws_db_instance.this[each.key].master_user_secret[0].secret_arn
}

resource "aws_secretsmanager_secret" "dms" {
  for_each = local.dms_copy_credentials ? local.databases : {}

  #checkov:skip=CKV2_AWS_57:A copy of the RDS-managed credentials (which RDS rotates); refreshed by bumping var.dms_credentials_version
  name_prefix = "${local.name}-dms-${each.key}-"
  description = "DMS endpoint credentials for the ${each.key} database (copy of the RDS-managed master secret plus host/port)"
  kms_key_id  = aws_kms_key.this.arn
  # A credentials copy: gone at destroy, not kept recoverable for a week.
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "dms" {
  for_each = local.dms_copy_credentials ? local.databases : {}

  secret_id = aws_secretsmanager_secret.dms[each.key].id
  # Write-only: sent to AWS, never stored in the plan or the state.
  secret_string_wo = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.this[each.key].address
    port     = aws_db_instance.this[each.key].port
    dbname   = var.database_name
    username = jsondecode(ephemeral.aws_secretsmanager_secret_version.master[each.key].secret_string).username
    password = jsondecode(ephemeral.aws_secretsmanager_secret_version.master[each.key].secret_string).password
  })
  secret_string_wo_version = var.dms_credentials_version
}

# ----------------------------------------------------------------- endpoints

resource "aws_dms_endpoint" "source" {
  count = local.dms_enabled ? 1 : 0

  endpoint_id                     = "${local.name}-source"
  endpoint_type                   = "source"
  engine_name                     = "postgres"
  database_name                   = var.database_name
  secrets_manager_arn             = local.dms_secret_arns["source"]
  secrets_manager_access_role_arn = aws_iam_role.dms_secrets[0].arn
  ssl_mode                        = "verify-full"
  certificate_arn                 = aws_dms_certificate.this[0].certificate_arn
  kms_key_arn                     = aws_kms_key.this.arn

  postgres_settings {
    # Keeps the replication slot's restart LSN moving while the source is
    # idle, so WAL does not pile up on the source.
    heartbeat_enable    = true
    heartbeat_frequency = 5
    # No DDL capture: it would install an event trigger and audit table on the source.
    capture_ddls = false
  }

  depends_on = [aws_secretsmanager_secret_version.dms, aws_iam_role_policy.dms_secrets]
}

resource "aws_dms_endpoint" "target" {
  count = local.dms_enabled ? 1 : 0

  endpoint_id                     = "${local.name}-target"
  endpoint_type                   = "target"
  engine_name                     = "postgres"
  database_name                   = var.database_name
  secrets_manager_arn             = local.dms_secret_arns["target"]
  secrets_manager_access_role_arn = aws_iam_role.dms_secrets[0].arn
  ssl_mode                        = "verify-full"
  certificate_arn                 = aws_dms_certificate.this[0].certificate_arn
  kms_key_arn                     = aws_kms_key.this.arn

  postgres_settings {
    # Tables load one by one in parallel, children before parents: replica
    # role skips FK triggers (and user triggers) on the target.
    after_connect_script = "SET session_replication_role = 'replica'"
  }

  depends_on = [aws_secretsmanager_secret_version.dms, aws_iam_role_policy.dms_secrets]
}

# ----------------------------------------------------------------- task

resource "aws_dms_replication_task" "this" {
  count = local.dms_enabled ? 1 : 0

  replication_task_id       = local.name
  migration_type            = "full-load-and-cdc"
  replication_instance_arn  = aws_dms_replication_instance.this[0].replication_instance_arn
  source_endpoint_arn       = aws_dms_endpoint.source[0].endpoint_arn
  target_endpoint_arn       = aws_dms_endpoint.target[0].endpoint_arn
  table_mappings            = jsonencode(local.table_mappings)
  replication_task_settings = jsonencode(local.task_settings)
  # start-task starts it, after seed-source has created the target schema.
  start_replication_task = false

  # Task logging writes through dms-cloudwatch-logs-role.
  depends_on = [aws_iam_role_policy_attachment.dms_cloudwatch_logs]
}
