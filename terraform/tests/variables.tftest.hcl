# Variable validations reject what AWS would reject later (or worse, accept).

mock_provider "aws" {
  source = "./tests/mocks"
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

variables {
  lambda_artifacts_dir          = "tests/fixtures/lambda-zips"
  state_machine_definition_file = "tests/fixtures/minimal.asl.json"
}

run "architecture" {
  command = plan
  variables { lambda_architecture = "sparc" }
  expect_failures = [var.lambda_architecture]
}

run "engine" {
  command = plan
  variables { migration_engine = "pglogical" }
  expect_failures = [var.migration_engine]
}

run "postgres_version" {
  command = plan
  variables { postgres_engine_version = "9.6" }
  expect_failures = [var.postgres_engine_version]
}

run "db_instance_class" {
  command = plan
  variables { db_instance_class = "t4g.micro" }
  expect_failures = [var.db_instance_class]
}

run "dms_instance_class" {
  command = plan
  variables { dms_instance_class = "dms.t3.huge" }
  expect_failures = [var.dms_instance_class]
}

run "vpc_cidr" {
  command = plan
  variables { vpc_cidr = "10.0.0.0/8" }
  expect_failures = [var.vpc_cidr]
}

run "schedule_expression" {
  command = plan
  variables { schedule_expression = "every 6 hours" }
  expect_failures = [var.schedule_expression]
}

run "schedule_input_must_validate" {
  command = plan
  variables { schedule_input = "{\"mode\":\"migrate\"}" }
  expect_failures = [var.schedule_input]
}

run "table_prep_mode_keeps_schema" {
  command = plan
  variables { dms_target_table_prep_mode = "DROP_AND_CREATE" }
  expect_failures = [var.dms_target_table_prep_mode]
}

run "lambda_timeout" {
  command = plan
  variables {
    lambda_sizing = {
      "validate-tables" = { memory = 1024, timeout = 1800 }
    }
  }
  expect_failures = [var.lambda_sizing]
}

run "good_schedule_expressions" {
  command = plan
  variables { schedule_expression = "cron(0 */6 * * ? *)" }
  assert {
    condition     = aws_scheduler_schedule.this.schedule_expression == "cron(0 */6 * * ? *)"
    error_message = "cron() accepted"
  }
}

run "schema_not_an_identifier" {
  command = plan
  variables { db_schemas = ["sales", "Drop Table"] }
  expect_failures = [var.db_schemas]
}

run "schema_listed_twice" {
  command = plan
  variables { db_schemas = ["sales", "sales"] }
  expect_failures = [var.db_schemas]
}
