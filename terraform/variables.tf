# ----------------------------------------------------------------- general

variable "aws_region" {
  description = "AWS region to deploy to. null: the region of the AWS CLI environment (AWS_REGION, profile)."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions are <prefix>-seed-source, …). Lower case, starts with a letter."
  type        = string
  default     = "dmsflow"

  validation {
    # DMS identifiers and S3 bucket names are the strictest: letters, digits, single hyphens.
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.name_prefix)) && length(var.name_prefix) <= 20
    error_message = "name_prefix must be 1-20 characters of a-z, 0-9 and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged into the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# ----------------------------------------------------------------- network

variable "vpc_cidr" {
  description = "CIDR of the VPC; two private subnets, each a sixteenth of it, are carved from it (one per AZ)."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix length between /16 and /24 (AWS VPC limits)."
  }
}

variable "interface_endpoint_services" {
  description = "Interface VPC endpoints (service short names) so the private subnets need no NAT gateway. secretsmanager: functions and DMS read credentials; dms: start-task/poll-task call the DMS API (dropped automatically with the native engine); monitoring: poll-task reads CDC latency; rds: start-task's assess describes the RDS instances and the source parameter group; sns: report notifies. Lambda and DMS logs are shipped by those services, so logs is not needed by default. S3 always gets a free gateway endpoint."
  type        = list(string)
  default     = ["secretsmanager", "dms", "monitoring", "rds", "sns"]

  validation {
    condition     = length(setsubtract(var.interface_endpoint_services, ["secretsmanager", "dms", "monitoring", "rds", "sns", "logs", "states", "sts", "xray", "kms"])) == 0
    error_message = "interface_endpoint_services may only contain: secretsmanager, dms, monitoring, rds, sns, logs, states, sts, xray, kms."
  }
}

variable "vpc_endpoints_multi_az" {
  description = "Put each interface endpoint in both AZs (about $0.01/h more per endpoint). false: one AZ; the other AZ reaches it across AZs, which is fine for a migration run."
  type        = bool
  default     = false
}

variable "enable_flow_logs" {
  description = "VPC flow logs (all traffic) to a CloudWatch log group."
  type        = bool
  default     = true
}

# ----------------------------------------------------------------- databases

variable "postgres_engine_version" {
  description = "RDS PostgreSQL engine version for both databases: a major (\"15\": latest minor) or major.minor (\"15.8\"). The parameter group family follows the major."
  type        = string
  default     = "15"

  validation {
    condition     = can(regex("^(14|15|16|17)(\\.[0-9]+)?$", var.postgres_engine_version))
    error_message = "postgres_engine_version must be 14, 15, 16 or 17, optionally with a minor version (e.g. 15.8)."
  }
}

variable "db_instance_class" {
  description = "RDS instance class of the source and of the target."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must be an RDS instance class such as db.t4g.micro or db.m7g.large."
  }
}

variable "db_allocated_storage" {
  description = "Storage of each database in GiB (gp3)."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB (0 disables autoscaling). A forgotten replication slot grows the source's WAL until this ceiling."
  type        = number
  default     = 50

  validation {
    condition     = var.db_max_allocated_storage == 0 || var.db_max_allocated_storage >= 20
    error_message = "db_max_allocated_storage must be 0 (off) or at least 20 GiB."
  }
}

variable "database_name" {
  description = "Database created on both instances (SOURCE_DB_NAME / TARGET_DB_NAME)."
  type        = string
  default     = "dmsflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name)) && !contains(["postgres", "rdsadmin", "template0", "template1"], var.database_name)
    error_message = "database_name must be a lower-case PostgreSQL identifier (letters, digits, underscores) and not a reserved database."
  }
}

variable "master_username" {
  description = "Master user of both databases. Its password is generated and rotated by RDS in Secrets Manager; it never appears in Terraform."
  type        = string
  default     = "dmsflow_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin", "rdsrepladmin"], var.master_username)
    error_message = "master_username must be a lower-case identifier and not a name RDS reserves (postgres, rdsadmin, admin, rdsrepladmin)."
  }
}

variable "db_schemas" {
  description = "Schemas replicated and validated (DB_SCHEMA, the DMS table mappings); an empty list means every user schema of the source. Seeding writes the sample into the first."
  type        = list(string)
  default     = ["shop"]

  validation {
    condition     = alltrue([for s in var.db_schemas : can(regex("^[a-z_][a-z0-9_$]{0,62}$", s))])
    error_message = "Each of db_schemas must be a lower-case PostgreSQL identifier."
  }
  validation {
    condition     = length(distinct(var.db_schemas)) == length(var.db_schemas)
    error_message = "db_schemas lists a schema twice."
  }
}

variable "db_multi_az" {
  description = "Multi-AZ standby for both databases (doubles their cost)."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Automated backup retention of both databases in days (0 disables backups)."
  type        = number
  default     = 1

  validation {
    condition     = var.db_backup_retention_days >= 0 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 0 and 35."
  }
}

variable "db_deletion_protection" {
  description = "RDS deletion protection. Off by default so `make destroy` removes the demo; turn it on for a real migration."
  type        = bool
  default     = false
}

variable "db_skip_final_snapshot" {
  description = "Skip the final snapshot when the databases are destroyed. false: a snapshot <identifier>-final is kept (and billed) after destroy."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Performance Insights (7 days, free tier) on both databases."
  type        = bool
  default     = false
}

variable "db_ca_cert_identifier" {
  description = "RDS server certificate authority. The functions and DMS verify it (verify-full) against certs/rds-ca-bundle.pem, which holds all RDS CAs."
  type        = string
  default     = "rds-ca-rsa2048-g1"

  validation {
    condition     = contains(["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"], var.db_ca_cert_identifier)
    error_message = "db_ca_cert_identifier must be rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 or rds-ca-ecc384-g1."
  }
}

variable "ca_bundle_file" {
  description = "PEM bundle of the RDS certificate authorities; the certificates of the deployment region are imported into DMS. Relative paths are relative to terraform/."
  type        = string
  default     = "../certs/rds-ca-bundle.pem"
}

# ----------------------------------------------------------------- migration

variable "migration_engine" {
  description = "MIGRATION_ENGINE of start-task/poll-task: dms (AWS DMS full load + CDC) or native (PostgreSQL logical replication; no DMS resources are created)."
  type        = string
  default     = "dms"

  validation {
    condition     = contains(["dms", "native"], var.migration_engine)
    error_message = "migration_engine must be dms or native."
  }
}

variable "dms_instance_class" {
  description = "DMS replication instance class."
  type        = string
  default     = "dms.t3.micro"

  validation {
    condition     = can(regex("^dms\\.(t2|t3|c4|c5|c6i|c7i|r4|r5|r6i|r7i)\\.(micro|small|medium|large|[0-9]*xlarge)$", var.dms_instance_class))
    error_message = "dms_instance_class must be a DMS replication instance class such as dms.t3.micro, dms.t3.medium or dms.c6i.large."
  }
}

variable "dms_allocated_storage" {
  description = "Storage of the DMS replication instance in GiB (task logs and cached transactions)."
  type        = number
  default     = 20

  validation {
    condition     = var.dms_allocated_storage >= 5 && var.dms_allocated_storage <= 6144
    error_message = "dms_allocated_storage must be between 5 and 6144 GiB."
  }
}

variable "dms_engine_version" {
  description = "DMS replication engine version (null: the DMS default)."
  type        = string
  default     = null
}

variable "create_dms_service_roles" {
  description = "Create the account-wide dms-vpc-role and dms-cloudwatch-logs-role. Set false when they already exist in the account (created by the console or another stack): IAM role names are unique per account."
  type        = bool
  default     = true
}

variable "dms_target_table_prep_mode" {
  description = "DMS TargetTablePrepMode. The pipeline creates the target schema from sql/ (seed-source mode schema), so DMS must keep it: DO_NOTHING, or TRUNCATE_BEFORE_LOAD for reloads into tables without incoming foreign keys."
  type        = string
  default     = "DO_NOTHING"

  validation {
    condition     = contains(["DO_NOTHING", "TRUNCATE_BEFORE_LOAD"], var.dms_target_table_prep_mode)
    error_message = "dms_target_table_prep_mode must be DO_NOTHING or TRUNCATE_BEFORE_LOAD (DROP_AND_CREATE would replace the pre-created schema)."
  }
}

variable "dms_credentials_version" {
  description = "Bump to copy the RDS-managed master credentials into the DMS endpoint secrets again (after RDS rotated them). The copy is write-only: it never enters the plan or the state."
  type        = number
  default     = 1
}

variable "dms_endpoint_secret_arns" {
  description = "Optional existing Secrets Manager secrets for the DMS endpoints, {source = ARN, target = ARN}, each holding username, password, host and port (e.g. a dedicated DMS user, as the DMS guide recommends) and encrypted with aws/secretsmanager or this stack's key. Empty: Terraform copies the RDS-managed master credentials into secrets of its own (write-only; see dms.tf)."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.dms_endpoint_secret_arns) == 0 || (length(var.dms_endpoint_secret_arns) == 2 && contains(keys(var.dms_endpoint_secret_arns), "source") && contains(keys(var.dms_endpoint_secret_arns), "target"))
    error_message = "dms_endpoint_secret_arns must be empty or have exactly the keys source and target."
  }
}

variable "dms_source_slot" {
  description = "DMS_SOURCE_SLOT of start-task and poll-task: the replication slot the DMS task streams from on the source (see pg_replication_slots once the task runs). Empty: the one logical slot of the source database. Named, the cut-over drops it after stopping the task."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z0-9_]{1,63})?$", var.dms_source_slot))
    error_message = "dms_source_slot must be empty or a slot name: 1 to 63 lower-case letters, digits or underscores."
  }
}

variable "in_sync_lag_seconds" {
  description = "IN_SYNC_LAG_SECONDS of poll-task: CDC lag under which the migration counts as in sync."
  type        = number
  default     = 5

  validation {
    condition     = var.in_sync_lag_seconds > 0
    error_message = "in_sync_lag_seconds must be positive."
  }
}

# ----------------------------------------------------------------- functions

variable "lambda_artifacts_dir" {
  description = "Directory holding <function>/bootstrap.zip as `make build` (cargo lambda build --release --output-format zip) writes them. Relative paths are relative to terraform/."
  type        = string
  default     = "../target/lambda"
}

variable "lambda_architecture" {
  description = "Instruction set of the functions; must match the build (`make build` builds arm64, `make build ARCH=x86_64` x86_64)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_sizing" {
  description = "Memory (MB) and timeout (s) per function. validate-tables gets the longest timeout: it checksums whole tables."
  type = map(object({
    memory  = number
    timeout = number
  }))
  default = {
    "seed-source"     = { memory = 1024, timeout = 900 }
    "start-task"      = { memory = 256, timeout = 900 }
    "poll-task"       = { memory = 256, timeout = 60 }
    "validate-tables" = { memory = 1024, timeout = 900 }
    "report"          = { memory = 256, timeout = 60 }
  }

  validation {
    condition = alltrue([
      for k, v in var.lambda_sizing :
      contains(["seed-source", "start-task", "poll-task", "validate-tables", "report"], k)
      && v.timeout >= 1 && v.timeout <= 900 && v.memory >= 128 && v.memory <= 10240
    ])
    error_message = "lambda_sizing keys must be function names; timeout 1-900 s, memory 128-10240 MB."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency per function, capping the connections it can open to the databases (seed-source: one load at a time; validate-tables: workers x 2 connections each). Functions not listed are unreserved. Accounts whose concurrency quota is 10 (new accounts) cannot reserve any: set {}."
  type        = map(number)
  default = {
    "seed-source"     = 1
    "validate-tables" = 4
  }

  validation {
    condition = alltrue([
      for k, v in var.lambda_reserved_concurrency :
      contains(["seed-source", "start-task", "poll-task", "validate-tables", "report"], k) && v >= 0
    ])
    error_message = "lambda_reserved_concurrency keys must be function names and values >= 0."
  }
}

variable "validate_workers" {
  description = "VALIDATE_WORKERS: parallel checksum connections per side per validate-tables invocation."
  type        = number
  default     = 2

  validation {
    condition     = var.validate_workers >= 1 && var.validate_workers <= 16
    error_message = "validate_workers must be between 1 and 16."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group the stack creates (functions, state machine, RDS exports, flow logs). Destroying the stack deletes them anyway; the volume of a migration's logs makes retention nearly free."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …, 3653)."
  }
}

# ----------------------------------------------------------------- state machine, schedule

variable "state_machine_definition_file" {
  description = "ASL template rendered with templatefile (placeholders: seed_source_arn, start_task_arn, poll_task_arn, validate_tables_arn, report_arn). Relative paths are relative to terraform/."
  type        = string
  default     = "../statemachine/dmsflow.asl.json"
}

variable "sfn_include_execution_data" {
  description = "Log execution input/output in the state machine's log group. Off by default: payloads carry sample rows of differing tables."
  type        = bool
  default     = false
}

variable "schedule_enabled" {
  description = "Enable the EventBridge Scheduler schedule that starts the state machine in validate mode (turn on while CDC runs, until cut-over)."
  type        = bool
  default     = false
}

variable "schedule_expression" {
  description = "When the validate schedule fires: rate(…), cron(…) or at(…) as EventBridge Scheduler accepts."
  type        = string
  default     = "rate(6 hours)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)|at\\([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\))$", var.schedule_expression))
    error_message = "schedule_expression must be rate(N unit), cron(six fields) or at(yyyy-mm-ddThh:mm:ss)."
  }
}

variable "schedule_timezone" {
  description = "Time zone of cron() and at() schedule expressions."
  type        = string
  default     = "UTC"
}

variable "schedule_input" {
  description = "Execution input the schedule sends (JSON). Its mode must be validate. While CDC runs, target sequences lag until cut-over (start-task sync-sequences): \"sequences\":\"warn\" reports them without failing every scheduled run."
  type        = string
  default     = "{\"mode\":\"validate\",\"sequences\":\"warn\"}"

  validation {
    condition     = can(jsondecode(var.schedule_input).mode) && try(jsondecode(var.schedule_input).mode, "") == "validate"
    error_message = "schedule_input must be a JSON object whose mode is \"validate\"."
  }
}

# ----------------------------------------------------------------- reports

variable "report_prefix" {
  description = "REPORT_PREFIX: key prefix of the reports in the bucket (ends with /)."
  type        = string
  default     = "reports/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.report_prefix))
    error_message = "report_prefix must be one or more path segments, each ending with /, e.g. reports/."
  }
}

variable "validation_prefix" {
  description = "VALIDATION_PREFIX: key prefix, in the report bucket, of the Distributed Map's work items and per-item results (ends with /)."
  type        = string
  default     = "validation/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.validation_prefix))
    error_message = "validation_prefix must be one or more path segments, each ending with /, e.g. validation/."
  }
}

variable "report_expiration_days" {
  description = "Reports (and their old versions) are deleted this many days after they are written."
  type        = number
  default     = 90

  validation {
    condition     = var.report_expiration_days >= 1 && var.report_expiration_days <= 3650
    error_message = "report_expiration_days must be between 1 and 3650."
  }
}

variable "metrics_namespace" {
  description = "METRICS_NAMESPACE: CloudWatch namespace of the report's Embedded Metric Format metrics."
  type        = string
  default     = "dmsflow"
}

variable "notification_email" {
  description = "Email address subscribed to the report topic (AWS sends a confirmation mail first). null: no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.notification_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an email address or null."
  }
}

variable "failure_reports_enabled" {
  description = "An EventBridge rule sends a failed, timed-out or aborted execution to the report function (a failure report when the execution wrote none), and a DMS event subscription sends the task's failure events to the report topic."
  type        = bool
  default     = true
}

variable "failure_report_retry_attempts" {
  description = "How many times EventBridge retries invoking the report function for an ended execution (0-185)."
  type        = number
  default     = 3

  validation {
    condition     = var.failure_report_retry_attempts >= 0 && var.failure_report_retry_attempts <= 185 && floor(var.failure_report_retry_attempts) == var.failure_report_retry_attempts
    error_message = "failure_report_retry_attempts must be a whole number from 0 to 185."
  }
}

variable "dms_failure_event_categories" {
  description = "DMS event categories of the replication task sent to the report topic (DMS names them, e.g. failure, state change)."
  type        = list(string)
  default     = ["failure"]

  validation {
    condition     = length(var.dms_failure_event_categories) > 0
    error_message = "dms_failure_event_categories must name at least one category."
  }
}
