# The Terraform twin of examples/spydor, for bench/run: the same 42 AWS resources (Terraform
# splits each bucket's settings into four more resources: 50 in all), the HTTPS certificate
# uploaded from certificate/ (bench/compare.py copies examples/spydor/certificate/ there).

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
  default_tags { tags = { Project = "spydor", ManagedBy = "cairn" } }
}

# ---- Network (network.toml) ----

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-vpc" }
}

resource "aws_subnet" "public_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.0.0/24"
  availability_zone = "us-east-1a"
  tags              = { Name = "${var.name}-public-a", Tier = "public" }
}

resource "aws_subnet" "public_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "us-east-1b"
  tags              = { Name = "${var.name}-public-b", Tier = "public" }
}

resource "aws_subnet" "app_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.10.0/24"
  availability_zone = "us-east-1a"
  tags              = { Name = "${var.name}-app-a", Tier = "app" }
}

resource "aws_subnet" "app_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.11.0/24"
  availability_zone = "us-east-1b"
  tags              = { Name = "${var.name}-app-b", Tier = "app" }
}

resource "aws_subnet" "db_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.20.0/24"
  availability_zone = "us-east-1a"
  tags              = { Name = "${var.name}-db-a", Tier = "database" }
}

resource "aws_subnet" "db_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.21.0/24"
  availability_zone = "us-east-1b"
  tags              = { Name = "${var.name}-db-b", Tier = "database" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${var.name}-igw" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
  tags = { Name = "${var.name}-public" }
}

resource "aws_route_table_association" "public_a" {
  subnet_id      = aws_subnet.public_a.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "public_b" {
  subnet_id      = aws_subnet.public_b.id
  route_table_id = aws_route_table.public.id
}

# Four groups chained ALB -> app -> database / EFS.
resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "HTTP and HTTPS from the internet"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
    description = "HTTP"
  }
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
    description = "HTTPS"
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-fargate"
  description = "Application containers"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol        = "tcp"
    from_port       = 8080
    to_port         = 8080
    security_groups = [aws_security_group.alb.id]
    description     = "From the ALB"
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "db" {
  name        = "${var.name}-database"
  description = "Oracle from the application only"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol        = "tcp"
    from_port       = 1521
    to_port         = 1521
    security_groups = [aws_security_group.app.id]
    description     = "Oracle"
  }
  # Effectively no outbound traffic.
  egress {
    protocol    = "icmp"
    from_port   = 252
    to_port     = 86
    cidr_blocks = ["127.0.0.1/32"]
  }
}

resource "aws_security_group" "efs" {
  name        = "${var.name}-efs"
  description = "NFS from the application only"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol        = "tcp"
    from_port       = 2049
    to_port         = 2049
    security_groups = [aws_security_group.app.id]
    description     = "NFS"
  }
  egress {
    protocol    = "icmp"
    from_port   = 252
    to_port     = 86
    cidr_blocks = ["127.0.0.1/32"]
  }
}

# ---- Application (app.toml) ----

resource "aws_lb" "main" {
  name               = "${var.name}-alb"
  internal           = false
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = [aws_subnet.public_a.id, aws_subnet.public_b.id]
}

resource "aws_lb_target_group" "app" {
  name                 = "${var.name}-app"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = aws_vpc.main.id
  target_type          = "ip"
  deregistration_delay = 30
  health_check {
    path                = "/"
    matcher             = "404"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 5
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = coalesce(var.certificate_arn, aws_iam_server_certificate.https.arn)
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_iam_server_certificate" "https" {
  name_prefix      = "${var.name}-"
  certificate_body = file("${path.module}/certificate/cert.pem")
  private_key      = file("${path.module}/certificate/private-key.pem")
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_ecs_cluster" "main" {
  name = "${var.name}-cluster"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/aws/ecs/${var.name}-fargate"
  retention_in_days = 7
}

resource "aws_iam_role" "execution" {
  name        = "${var.name}-execution"
  description = "Pulls the image and writes logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role" "task" {
  name        = "${var.name}-task"
  description = "What the application may do (minimal; extend for the customer's needs)"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_policy" "efs_client" {
  name        = "${var.name}-efs-client"
  description = "Mount and write the shared file system"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      Resource = aws_efs_file_system.shared.arn
    }]
  })
}

resource "aws_iam_role_policy_attachment" "task_efs" {
  role       = aws_iam_role.task.name
  policy_arn = aws_iam_policy.efs_client.arn
}

resource "aws_ecs_task_definition" "app" {
  family                   = var.name
  cpu                      = "1024"
  memory                   = "2048"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = "efs-volume"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.shared.id
      transit_encryption = "ENABLED"
    }
  }
  container_definitions = jsonencode([{
    name         = "app"
    image        = var.image
    essential    = true
    portMappings = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment = [{
      name  = "DATABASE_URL"
      value = "jdbc:oracle:thin:@${aws_db_instance.oracle.address}:1521:ORCL"
    }]
    mountPoints = [{ sourceVolume = "efs-volume", containerPath = "/mnt/efs", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.app.name
        "awslogs-region"        = "us-east-1"
        "awslogs-stream-prefix" = "app"
      }
    }
  }])
}

resource "aws_ecs_service" "app" {
  name             = "${var.name}-service"
  cluster          = aws_ecs_cluster.main.arn
  task_definition  = aws_ecs_task_definition.app.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  network_configuration {
    subnets          = [aws_subnet.app_a.id, aws_subnet.app_b.id]
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = var.container_port
  }
  # The target group must be attached to the load balancer (through a listener) first.
  depends_on = [aws_lb_listener.http, aws_lb_listener.https, aws_efs_mount_target.app_a, aws_efs_mount_target.app_b]
}

# ---- Data (data.toml) ----

resource "aws_db_subnet_group" "db" {
  name        = "${var.name}-db"
  description = "Database subnets of ${var.name}"
  subnet_ids  = [aws_subnet.db_a.id, aws_subnet.db_b.id]
}

resource "aws_db_instance" "oracle" {
  identifier                  = "${var.name}-oracle"
  engine                      = "oracle-se2"
  license_model               = "license-included"
  instance_class              = "db.m5.large"
  allocated_storage           = 100
  storage_type                = "gp3"
  storage_encrypted           = true
  multi_az                    = true
  db_subnet_group_name        = aws_db_subnet_group.db.name
  vpc_security_group_ids      = [aws_security_group.db.id]
  username                    = "admin"
  manage_master_user_password = true
  db_name                     = "ORCL"
  port                        = 1521
  backup_retention_period     = 7
  # cairn names the final snapshot "<identifier>-final"; Terraform needs the name spelled out.
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-oracle-final"
  deletion_protection       = false
  publicly_accessible       = false
}

resource "aws_efs_file_system" "shared" {
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = "bursting"
  tags             = { Name = "${var.name}-efs" }
}

resource "aws_efs_mount_target" "app_a" {
  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = aws_subnet.app_a.id
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_mount_target" "app_b" {
  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = aws_subnet.app_b.id
  security_groups = [aws_security_group.efs.id]
}

# Two buckets, each versioned, encrypted, public access blocked, SSL only.
resource "aws_s3_bucket" "logs" {
  bucket = "${var.name}-${var.env}-logs"
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration { status = "Enabled" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SSLOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.logs]
}

resource "aws_s3_bucket" "mdl" {
  bucket = "${var.name}-${var.env}-mdl"
}

resource "aws_s3_bucket_versioning" "mdl" {
  bucket = aws_s3_bucket.mdl.id
  versioning_configuration { status = "Enabled" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "mdl" {
  bucket = aws_s3_bucket.mdl.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
  }
}

resource "aws_s3_bucket_public_access_block" "mdl" {
  bucket                  = aws_s3_bucket.mdl.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "mdl" {
  bucket = aws_s3_bucket.mdl.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SSLOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.mdl.arn, "${aws_s3_bucket.mdl.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.mdl]
}

output "alb_dns_name" { value = aws_lb.main.dns_name }
output "service_arn" { value = aws_ecs_service.app.id }
output "database_address" { value = aws_db_instance.oracle.address }
output "database_secret_arn" { value = aws_db_instance.oracle.master_user_secret[0].secret_arn }
output "buckets" { value = [aws_s3_bucket.logs.bucket, aws_s3_bucket.mdl.bucket] }

# ---- Monitoring (monitoring.toml) ----

resource "aws_sns_topic" "alarms" {
  name = "${var.name}-alarms"
}

locals {
  alarms = {
    cpu-high             = { namespace = "AWS/ECS", metric = "CPUUtilization", statistic = "Average", period = 300, periods = 2, threshold = 80, op = "GreaterThanThreshold", missing = "missing", dimensions = { ClusterName = aws_ecs_cluster.main.name, ServiceName = aws_ecs_service.app.name } }
    memory-high          = { namespace = "AWS/ECS", metric = "MemoryUtilization", statistic = "Average", period = 300, periods = 2, threshold = 80, op = "GreaterThanThreshold", missing = "missing", dimensions = { ClusterName = aws_ecs_cluster.main.name, ServiceName = aws_ecs_service.app.name } }
    unhealthy-targets    = { namespace = "AWS/ApplicationELB", metric = "UnHealthyHostCount", statistic = "Maximum", period = 60, periods = 5, threshold = 0, op = "GreaterThanThreshold", missing = "notBreaching", dimensions = { LoadBalancer = aws_lb.main.arn_suffix, TargetGroup = aws_lb_target_group.app.arn_suffix } }
    target-5xx           = { namespace = "AWS/ApplicationELB", metric = "HTTPCode_Target_5XX_Count", statistic = "Sum", period = 300, periods = 1, threshold = 10, op = "GreaterThanThreshold", missing = "notBreaching", dimensions = { LoadBalancer = aws_lb.main.arn_suffix } }
    database-connections = { namespace = "AWS/RDS", metric = "DatabaseConnections", statistic = "Maximum", period = 300, periods = 3, threshold = 1, op = "LessThanThreshold", missing = "breaching", dimensions = { DBInstanceIdentifier = aws_db_instance.oracle.identifier } }
  }
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each            = local.alarms
  alarm_name          = "${var.name}-${each.key}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = each.value.op
  treat_missing_data  = each.value.missing
  dimensions          = each.value.dimensions
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
