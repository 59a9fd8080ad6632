terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
}

variable "project" {
  type    = string
  default = "mods"
}

variable "zones" {
  type        = list(string)
  description = "Where the subnets go"
  default     = ["us-east-1a", "us-east-1b"]
}

locals {
  buckets = toset(["logs", "data"])
  tags    = { Project = var.project, Owner = "platform" }
}

module "network" {
  source = "./modules/network"
  name   = var.project
  cidr   = "10.60.0.0/16"
  zones  = var.zones
  tags   = local.tags
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = local.buckets
  name     = "${var.project}-${each.key}"
}

resource "aws_security_group" "app" {
  name        = "${var.project}-app"
  description = "app"
  vpc_id      = module.network.vpc_id
  tags        = merge(local.tags, { Name = "${var.project}-app" })
}

resource "aws_iam_user" "deployer" {
  name = "${var.project}-deployer"
}

data "aws_s3_bucket" "logs" {
  bucket     = module.bucket["logs"].name
  depends_on = [module.bucket]
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "subnet_ids" {
  value = module.network.subnet_ids
}

output "logs_bucket_arn" {
  value = data.aws_s3_bucket.logs.arn
}
