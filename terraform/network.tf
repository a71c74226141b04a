# A VPC with two private subnets and no route to the internet at all: no
# internet gateway, no NAT gateway. AWS APIs are reached through VPC endpoints.

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # required for private DNS on interface endpoints

  tags = { Name = local.name }
}

resource "aws_subnet" "this" {
  count = 2

  vpc_id                  = aws_vpc.this.id
  availability_zone       = local.azs[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false

  tags = { Name = "${local.name}-private-${local.azs[count.index]}" }
}

resource "aws_route_table" "this" {
  vpc_id = aws_vpc.this.id

  # Only the implicit local route and the S3 gateway endpoint's prefix list.
  tags = { Name = "${local.name}-private" }
}

resource "aws_route_table_association" "this" {
  count = 2

  subnet_id      = aws_subnet.this[count.index].id
  route_table_id = aws_route_table.this.id
}

# The default security group allows all traffic between its members: take
# every rule away so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-default-unused" }
}

# ----------------------------------------------------------------- security groups

resource "aws_security_group" "lambda" {
  name        = "${local.name}-lambda"
  description = "dmsflow functions: out to PostgreSQL and the VPC endpoints only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-lambda" }
}

resource "aws_security_group" "dms" {
  count = local.dms_enabled ? 1 : 0

  name        = "${local.name}-dms"
  description = "DMS replication instance: out to PostgreSQL and the VPC endpoints only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-dms" }
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "Source and target PostgreSQL: 5432 from the functions and DMS only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-db" }
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the functions and DMS"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-endpoints" }
}

locals {
  # Security groups that may reach the databases and the endpoints.
  client_security_groups = merge(
    { lambda = aws_security_group.lambda.id },
    local.dms_enabled ? { dms = aws_security_group.dms[0].id } : {},
  )
}

resource "aws_vpc_security_group_ingress_rule" "db_postgres" {
  for_each = local.client_security_groups

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

# Native engine: the target server's subscription connects to the source.
resource "aws_vpc_security_group_ingress_rule" "db_postgres_native" {
  count = local.dms_enabled ? 0 : 1

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the target server (native logical replication)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "db_postgres_native" {
  count = local.dms_enabled ? 0 : 1

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL to the source server (native logical replication)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "client_postgres" {
  for_each = local.client_security_groups

  security_group_id            = each.value
  description                  = "PostgreSQL to the source and target"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "client_endpoints" {
  for_each = local.client_security_groups

  security_group_id            = each.value
  description                  = "HTTPS to the interface VPC endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "client_s3" {
  for_each = local.client_security_groups

  security_group_id = each.value
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  for_each = local.client_security_groups

  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value
}

# ----------------------------------------------------------------- VPC endpoints

locals {
  # The native engine never calls the DMS API.
  interface_endpoint_services = toset([
    for s in var.interface_endpoint_services : s if local.dms_enabled || s != "dms"
  ])
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway" # free, unlike interface endpoints
  route_table_ids   = [aws_route_table.this.id]

  tags = { Name = "${local.name}-s3" }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoint_services

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true # the SDKs' default host names resolve to the endpoint
  subnet_ids          = var.vpc_endpoints_multi_az ? aws_subnet.this[*].id : [aws_subnet.this[0].id]
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = { Name = "${local.name}-${each.key}" }
}

# ----------------------------------------------------------------- flow logs

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name              = "/aws/vpc/${local.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_logs ? 1 : 0

  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn         = aws_iam_role.flow_logs[0].arn

  tags = { Name = local.name }
}
