# Source and target RDS PostgreSQL. Private, encrypted, TLS only; master
# passwords are generated and rotated by RDS in Secrets Manager
# (manage_master_user_password): no password is ever in a variable, the plan
# or the state.

locals {
  pg_major = split(".", var.postgres_engine_version)[0]

  databases = {
    source = { parameter_group = aws_db_parameter_group.source.name }
    target = { parameter_group = aws_db_parameter_group.target.name }
  }
}

resource "aws_db_subnet_group" "this" {
  name        = local.name
  description = "dmsflow private subnets"
  subnet_ids  = aws_subnet.this[*].id
}

resource "aws_db_parameter_group" "source" {
  name        = "${local.name}-source-pg${local.pg_major}"
  family      = "postgres${local.pg_major}"
  description = "dmsflow source: logical replication for DMS CDC and the native engine"

  # wal_level = logical. Static: applied at creation, needs a reboot if changed later.
  parameter {
    name         = "rds.logical_replication"
    value        = "1"
    apply_method = "pending-reboot"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_parameter_group" "target" {
  name        = "${local.name}-target-pg${local.pg_major}"
  family      = "postgres${local.pg_major}"
  description = "dmsflow target"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # The native engine's CREATE SUBSCRIPTION carries the source password:
  # statement logging (ddl/all) would write it to the exported log.
  parameter {
    name  = "log_statement"
    value = "none"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Created here (rather than by RDS on first export) so they have a retention and the stack's key.
resource "aws_cloudwatch_log_group" "rds" {
  for_each = toset(flatten([
    for db in keys(local.databases) : [for log in ["postgresql", "upgrade"] : "${db}/${log}"]
  ]))

  name              = "/aws/rds/instance/${local.name}-${split("/", each.key)[0]}/${split("/", each.key)[1]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_db_instance" "this" {
  for_each = local.databases

  #checkov:skip=CKV_AWS_293:Deletion protection is var.db_deletion_protection (off so `make destroy` removes the demo; docs/deploy.md says to turn it on for real data)
  #checkov:skip=CKV_AWS_353:Performance Insights is var.db_performance_insights, off by default (cost of a demo; not needed to migrate)
  #checkov:skip=CKV_AWS_118:Enhanced monitoring costs CloudWatch ingestion and needs another role; the basic RDS metrics suffice for a migration run
  #checkov:skip=CKV_AWS_157:Multi-AZ is var.db_multi_az, off by default (it doubles the cost of a demo)
  identifier     = "${local.name}-${each.key}"
  engine         = "postgres"
  engine_version = var.postgres_engine_version
  instance_class = var.db_instance_class
  port           = 5432

  db_name                       = var.database_name
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn
  # Allowed in addition to the password; the functions use the password.
  iam_database_authentication_enabled = true

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage == 0 ? null : var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  network_type           = "IPV4"
  ca_cert_identifier     = var.db_ca_cert_identifier
  parameter_group_name   = each.value.parameter_group
  multi_az               = var.db_multi_az

  backup_retention_period    = var.db_backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = var.db_skip_final_snapshot
  final_snapshot_identifier  = var.db_skip_final_snapshot ? null : "${local.name}-${each.key}-final"
  auto_minor_version_upgrade = true
  apply_immediately          = true

  performance_insights_enabled          = var.db_performance_insights
  performance_insights_kms_key_id       = var.db_performance_insights ? aws_kms_key.this.arn : null
  performance_insights_retention_period = var.db_performance_insights ? 7 : null

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  depends_on = [aws_cloudwatch_log_group.rds]

  tags = { Name = "${local.name}-${each.key}", Role = each.key }
}
