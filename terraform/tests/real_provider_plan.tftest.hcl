# A plan with the real AWS provider (not a mock), configured so it never
# reaches AWS: the provider's own plan-time validation and diff logic run on
# the whole configuration, and IAM documents are rendered for real. The data
# sources that would call AWS are overridden.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test-not-a-key"
  secret_key                  = "test-not-a-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

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

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test", user_id = "AIDATEST" }
}
override_data {
  target = data.aws_partition.current
  values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
}
override_data {
  target = data.aws_region.current
  values = { name = "eu-west-1", endpoint = "ec2.eu-west-1.amazonaws.com", description = "Europe (Ireland)" }
}
override_data {
  target = data.aws_availability_zones.available
  values = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"], zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"] }
}

variables {
  lambda_artifacts_dir = "tests/fixtures/lambda-zips"
}

run "real_provider_plans_the_dms_stack" {
  command = plan

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.lambda_assume.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The Lambda trust policy renders with the confused-deputy condition."
  }
  assert {
    condition     = jsondecode(data.aws_iam_policy_document.kms.json).Statement[1].Principal.Service == "logs.eu-west-1.amazonaws.com"
    error_message = "The key policy lets CloudWatch Logs of this region encrypt the stack's log groups."
  }
  assert {
    condition     = jsondecode(data.aws_iam_policy_document.sfn_assume.json).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:states:eu-west-1:123456789012:stateMachine:dmsflow"
    error_message = "The state machine role may be assumed only for this state machine."
  }
}

run "real_provider_plans_the_native_stack" {
  command = plan

  variables {
    migration_engine = "native"
  }

  assert {
    condition     = length(aws_dms_replication_task.this) == 0
    error_message = "No DMS task with the native engine."
  }
}
