# Shared mock values for the default AWS provider in tests/*.tftest.hcl:
# AWS look-ups return a fixed account/region, and resources whose ARNs feed
# ARN-validated arguments get ARN-shaped values.

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}
mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}
mock_data "aws_availability_zones" {
  defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
}
# Policy documents are rendered by the provider; the mock's random string
# would fail the roles' JSON validation. Statements are asserted on directly.
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}
# ARN-shaped values where the provider validates an ARN argument.
mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000", key_id = "00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}
mock_resource "aws_dms_certificate" {
  defaults = { certificate_arn = "arn:aws:dms:eu-west-1:123456789012:cert:MOCK" }
}
mock_resource "aws_dms_replication_instance" {
  defaults = { replication_instance_arn = "arn:aws:dms:eu-west-1:123456789012:rep:MOCK" }
}
mock_resource "aws_dms_endpoint" {
  defaults = { endpoint_arn = "arn:aws:dms:eu-west-1:123456789012:endpoint:MOCK" }
}
mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::dmsflow-reports-mock", bucket = "dmsflow-reports-mock" }
}
mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:dmsflow-reports" }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mock-AAAAAA" }
}
mock_resource "aws_vpc_endpoint" {
  defaults = { prefix_list_id = "pl-6da54004" }
}
mock_resource "aws_cloudwatch_event_rule" {
  defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/mock" }
}
