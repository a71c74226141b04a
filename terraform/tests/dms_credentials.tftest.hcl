# Its own file: a fresh state, so the RDS instances (and their secret ARNs)
# are unknown at plan time and the ephemeral read is deferred, never opened.

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

variables {
  lambda_artifacts_dir          = "tests/fixtures/lambda-zips"
  state_machine_definition_file = "tests/fixtures/minimal.asl.json"
}

# The default DMS credential path: RDS-managed credentials read ephemerally
# and copied write-only. Planned only (the read is on the offline provider).
run "dms_credentials_are_copied_write_only" {
  command = plan

  variables {
    dms_endpoint_secret_arns = {}
  }

  assert {
    condition     = length(aws_secretsmanager_secret.dms) == 2 && length(aws_secretsmanager_secret_version.dms) == 2
    error_message = "One endpoint secret per database."
  }
  assert {
    condition     = alltrue([for v in aws_secretsmanager_secret_version.dms : v.secret_string_wo == null && v.secret_string_wo_version == 1])
    error_message = "The copied credentials are write-only: nothing in the plan or the state."
  }
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.dms : s.recovery_window_in_days == 0])
    error_message = "The credential copies are deleted at destroy, not kept for a week."
  }
}
