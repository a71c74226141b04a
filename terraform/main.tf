# Shared look-ups and names. Every data source here is mocked in tests/.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two zone names are used (slice below); a zone AWS adds later sorts after them, so placement never moves
  # No state filter: a zone that is briefly impaired must not shift the subnets.
  # Local Zones and Wavelength have no RDS/DMS subnets.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  name       = var.name_prefix
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  dns_suffix = data.aws_partition.current.dns_suffix

  azs = slice(data.aws_availability_zones.available.names, 0, 2)

  dms_enabled = var.migration_engine == "dms"

  # The five functions; keys are the cargo-lambda binary names.
  functions = toset(["seed-source", "start-task", "poll-task", "validate-tables", "report"])

  # Relative paths are taken from terraform/ (path.module), wherever terraform runs.
  artifacts_dir     = startswith(var.lambda_artifacts_dir, "/") ? var.lambda_artifacts_dir : "${path.module}/${var.lambda_artifacts_dir}"
  definition_file   = startswith(var.state_machine_definition_file, "/") ? var.state_machine_definition_file : "${path.module}/${var.state_machine_definition_file}"
  ca_bundle_file    = startswith(var.ca_bundle_file, "/") ? var.ca_bundle_file : "${path.module}/${var.ca_bundle_file}"
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.name}"
}
