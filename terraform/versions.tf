terraform {
  # 1.11: write-only arguments (secret_string_wo) and ephemeral resources, so the
  # DMS credential copies never put a password in the plan or the state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100: ephemeral aws_secretsmanager_secret_version and secret_string_wo.
      # Tested with 5.100 (the offline mirror); 6.x is not.
      version = "~> 5.100"
    }
  }
}
