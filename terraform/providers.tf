provider "aws" {
  # null: the region comes from AWS_REGION / the profile, as for the AWS CLI.
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Project   = "dmsflow"
        ManagedBy = "terraform"
        Stack     = var.name_prefix
      },
      var.tags,
    )
  }
}

# Same account and region; used only to read the RDS-managed credentials
# ephemerally for the DMS endpoint secrets (dms.tf). A configuration of its
# own because Terraform 1.11's mock providers cannot host ephemeral resources:
# terraform test mocks the default configuration and gives this one a real,
# offline provider that never opens anything there.
provider "aws" {
  alias  = "secrets"
  region = var.aws_region
}
