# Copyright (c) HashiCorp, Inc.
# SPDX-License-Identifier: MPL-2.0

variable "db_password" {
  description = "RDS root user password"
  sensitive   = true
}
