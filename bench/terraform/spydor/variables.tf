# The variables of examples/spydor, with the same defaults.

variable "env" {
  type    = string
  default = "dev"
}

variable "name" {
  type    = string
  default = "spydor-infra"
}

# The HTTPS listener's certificate, if made outside the stack; empty: the one it uploads.
variable "certificate_arn" {
  type    = string
  default = ""
}

variable "image" {
  type    = string
  default = "public.ecr.aws/nginx/nginx:1.27"
}

variable "container_port" {
  type    = number
  default = 8080
}

variable "desired_count" {
  type    = number
  default = 2
}
