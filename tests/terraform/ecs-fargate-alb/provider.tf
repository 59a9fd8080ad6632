# provider.tf

# Specify the provider and access details
# (the endpoint comes from the AWS_ENDPOINT_URL environment variable)
provider "aws" {
  region                      = "us-east-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_requesting_account_id  = false
}
