//! Every MLSpace API route: which stack serves it, the Lambda handler behind it, and what that
//! function needs beyond the common environment. Adding an API is adding a row.
//!
//! Within a stack the rows keep MLSpace's order: functions, resources and permissions are
//! created in it, and construct order decides template order.
use super::ApiKind::{self, *};

/// Where an extra environment value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// `<DATA_BUCKET_NAME>-<account>`.
    DataBucket,
    /// `<CONFIG_BUCKET_NAME>-<account>`.
    ConfigBucket,
    /// `<LOGS_BUCKET_NAME>-<account>`.
    LogsBucket,
    /// NOTEBOOK_PARAMETERS_FILE_NAME.
    NotebookParamsFile,
    /// The deployment environment name, `mlspace`.
    DeploymentEnvironment,
    NotebookRoleArn,
    AppRoleArn,
    /// NEW_USERS_SUSPENDED as `True`/`False`.
    NewUserSuspension,
    EmrSecurityConfiguration,
    EmrEc2RoleName,
    EmrServiceRoleName,
    EmrEc2SshKey,
    EndpointConfigInstanceConstraintPolicyArn,
    JobInstanceConstraintPolicyArn,
}

/// One API route and its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub stack: ApiKind,
    /// Overrides `<resource>-<name>` in the function id `mls-lambda-<id>`.
    pub id: Option<&'static str>,
    /// The backend module: the handler is `ml_space_lambda.<resource>.lambda_functions.<name>`.
    pub resource: &'static str,
    pub name: &'static str,
    pub method: &'static str,
    /// Below the API root, `/`-separated.
    pub path: &'static str,
    pub description: &'static str,
    pub env: &'static [(&'static str, Env)],
    /// Runs as the system role rather than the application role.
    pub system_role: bool,
    /// Callable without the MLSpace authorizer.
    pub no_authorizer: bool,
}

const fn api(
    stack: ApiKind,
    resource: &'static str,
    name: &'static str,
    method: &'static str,
    path: &'static str,
    description: &'static str,
) -> Route {
    Route {
        stack,
        id: None,
        resource,
        name,
        method,
        path,
        description,
        env: &[],
        system_role: false,
        no_authorizer: false,
    }
}

impl Route {
    const fn id(self, id: &'static str) -> Self {
        Route {
            id: Some(id),
            ..self
        }
    }
    const fn env(self, env: &'static [(&'static str, Env)]) -> Self {
        Route { env, ..self }
    }
    const fn system(self) -> Self {
        Route {
            system_role: true,
            ..self
        }
    }
    const fn public(self) -> Self {
        Route {
            no_authorizer: true,
            ..self
        }
    }

    /// `mls-lambda-<id>`: the construct id and the function name.
    pub fn function_id(&self) -> String {
        match self.id {
            Some(id) => format!("mls-lambda-{id}"),
            None => format!("mls-lambda-{}-{}", self.resource, self.name),
        }
    }

    pub fn handler(&self) -> String {
        format!(
            "ml_space_lambda.{}.lambda_functions.{}",
            self.resource, self.name
        )
    }
}

const DATA: &[(&str, Env)] = &[("DATA_BUCKET", Env::DataBucket)];
const PARAMS: &[(&str, Env)] = &[
    ("BUCKET", Env::ConfigBucket),
    ("S3_KEY", Env::NotebookParamsFile),
];
const JOB_PARAMS: &[(&str, Env)] = &[
    ("BUCKET", Env::ConfigBucket),
    ("S3_KEY", Env::NotebookParamsFile),
    ("ENVIRONMENT", Env::DeploymentEnvironment),
];

#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    // mlspace-admin-apis
    api(Admin, "user", "list_all", "GET", "user", "Returns a list of all MLSpace users"),
    api(Admin, "user", "delete", "DELETE", "user/{username}", "Removes an MLSpace user"),
    api(Admin, "user", "create", "POST", "user", "Creates a user for the system").env(&[("NEW_USER_SUSPENSION_DEFAULT", Env::NewUserSuspension)]),
    api(Admin, "user", "get", "GET", "user/{username}", "Get an MLSpace user"),
    api(Admin, "user", "get_projects", "GET", "user/{username}/projects", "Get an MLSpace user's projects"),
    api(Admin, "user", "get_groups", "GET", "user/{username}/groups", "Get an MLSpace user's groups"),
    api(Admin, "dataset", "list_resources", "GET", "admin/datasets", "List all global, group, and private datasets").id("dataset-admin"),
    api(Admin, "user", "update", "PUT", "user/{username}", "Update an MLSpace user"),
    api(Admin, "user", "login", "PUT", "login", "Update an MLSpace users lastLogin attribute"),
    api(Admin, "user", "current", "GET", "current-user", "Retrieve the user record for the current user"),
    api(Admin, "config", "describe", "GET", "config", "Get the current env config including env variables, param file, and notebook lifecycle config").env(PARAMS),
    api(Admin, "report", "create", "POST", "report", "Generates a report of project resources and users for admins").env(DATA),
    api(Admin, "report", "list", "GET", "report", "Lists reports of project resources and users for admins").env(DATA),
    api(Admin, "report", "download", "GET", "report/{reportName}", "Get S3 URL of MLSpace report").env(DATA),
    api(Admin, "report", "delete", "DELETE", "report/{reportName}", "Deletes an MLSpace report").env(DATA),
    api(Admin, "migration", "sync_metadata", "POST", "admin/sync-metadata", "Sync resource metadata to MLSpace Resource Metadata table"),
    api(Admin, "metadata", "list_subnets", "GET", "metadata/subnets", "List available subnets in which MLSpace resources can be launched").env(PARAMS),
    api(Admin, "metadata", "compute_types", "GET", "metadata/compute-types", "Describe available instance types for a sagemaker notebook"),
    api(Admin, "metadata", "notebook_options", "GET", "metadata/notebook-options", "Gets notebook instance types and lifecycle configs for create notebooks"),
    // mlspace-dataset-apis
    api(Datasets, "dataset", "presigned_url", "POST", "dataset/presigned-url", "Generates presigned url for MLSpace Dataset").env(DATA),
    api(Datasets, "dataset", "create_dataset", "POST", "dataset/create", "Creates a new dataset").env(DATA),
    api(Datasets, "dataset", "list_resources", "GET", "dataset", "List all global, group, and private datasets for user").id("dataset-personal"),
    api(Datasets, "dataset", "edit", "PUT", "v2/dataset/{type}/{scope}/{datasetName}", "Edits dataset"),
    api(Datasets, "dataset", "get", "GET", "v2/dataset/{type}/{scope}/{datasetName}", "Gets dataset details"),
    api(Datasets, "dataset", "delete", "DELETE", "v2/dataset/{type}/{scope}/{datasetName}", "Removes a dataset from an MLSpace project").env(DATA),
    api(Datasets, "dataset", "delete_file", "DELETE", "v2/dataset/{type}/{scope}/{datasetName}/{file+}", "Removes a file from a dataset").env(DATA),
    api(Datasets, "dataset", "list_files", "GET", "v2/dataset/{type}/{scope}/{datasetName}/files", "List all file in a dataset").env(DATA),
    // mlspace-inference-apis
    api(Inference, "model", "create", "POST", "model", "Creates a new model").env(PARAMS),
    api(Inference, "model", "describe", "GET", "model/{modelName}", "Returns the description of a given model"),
    api(Inference, "model", "list_images", "GET", "model/images", "Gets ECR paths for models"),
    api(Inference, "model", "delete", "DELETE", "model/{modelName}", "Delete a model"),
    api(Inference, "endpoint", "create", "POST", "endpoint", "Creates a new endpoint"),
    api(Inference, "endpoint", "describe", "GET", "endpoint/{endpointName}", "Returns the description of an endpoint"),
    api(Inference, "endpoint", "update", "PUT", "endpoint/{endpointName}", "Updates an existing endpoint with a new endpoint config"),
    api(Inference, "endpoint", "delete", "DELETE", "endpoint/{endpointName}", "Deletes an Endpoint"),
    api(Inference, "logs", "get", "GET", "endpoint/{endpointName}/logs", "Returns the log events for the specified endpoint").id("endpoint-get-logs"),
    api(Inference, "endpoint_config", "create", "POST", "endpoint-config", "Creates a new endpoint config").env(PARAMS),
    api(Inference, "endpoint_config", "describe", "GET", "endpoint-config/{endpointConfigName}", "Returns the description of an endpoint config"),
    api(Inference, "endpoint_config", "delete", "DELETE", "endpoint-config/{endpointConfigName}", "Deletes an endpoint config"),
    api(Inference, "resource_scheduler", "set_resource_termination", "PUT", "endpoint/{endpointName}/schedule", "Update the termination time of a SageMaker Endpoint").id("resource_scheduler-set-endpoint-termination"),
    // mlspace-jobs-apis
    api(Jobs, "hpo_job", "list_training_jobs", "GET", "job/hpo/{jobName}/training-jobs", "List HPO training jobs"),
    api(Jobs, "training_job", "describe", "GET", "job/training/{jobName}", "Returns the description of a given training job"),
    api(Jobs, "training_job", "create", "POST", "job/training", "Creates a new training job").env(&[("ROLE_ARN", Env::NotebookRoleArn), ("BUCKET", Env::ConfigBucket), ("S3_KEY", Env::NotebookParamsFile), ("ENVIRONMENT", Env::DeploymentEnvironment)]),
    api(Jobs, "transform_job", "create", "POST", "job/transform", "Creates a transform job").env(&[("BUCKET", Env::ConfigBucket), ("S3_KEY", Env::NotebookParamsFile), ("ENVIRONMENT", Env::DeploymentEnvironment), ("DATA_BUCKET", Env::DataBucket)]),
    api(Jobs, "transform_job", "stop", "POST", "job/transform/{jobName}/stop", "Stop transform job"),
    api(Jobs, "transform_job", "describe", "GET", "job/transform/{jobName}", "Describes a transform job"),
    api(Jobs, "hpo_job", "create", "POST", "job/hpo", "Creates a HPO job").env(JOB_PARAMS),
    api(Jobs, "hpo_job", "stop", "POST", "job/hpo/{jobName}/stop", "Stop HPO job"),
    api(Jobs, "hpo_job", "describe", "GET", "job/hpo/{jobName}", "Describes a HPO job"),
    api(Jobs, "logs", "get", "GET", "job/{jobType}/{jobName}/logs", "Returns the log events for the specified job").id("job-get-logs"),
    api(Jobs, "labeling_job", "describe", "GET", "job/labeling/{jobName}", "Describes a Ground Truth labeling job"),
    api(Jobs, "labeling_job", "create", "POST", "job/labeling", "Creates a Labeling job").env(JOB_PARAMS),
    // mlspace-notebook-apis
    api(Notebooks, "notebook", "list_resources", "GET", "notebook", "Gets all notebooks a user has access to").id("notebook-personal"),
    api(Notebooks, "notebook", "describe", "GET", "notebook/{notebookName}", "Describe a sagemaker notebook instance"),
    api(Notebooks, "notebook", "edit", "PUT", "notebook/{notebookName}", "Update a sagemaker notebook instance").env(PARAMS),
    api(Notebooks, "notebook", "create", "POST", "notebook", "Create a sagemaker notebook instance in an MLSpace project").env(&[("BUCKET", Env::ConfigBucket), ("DATA_BUCKET", Env::DataBucket), ("ENVIRONMENT", Env::DeploymentEnvironment), ("ROLE_ARN", Env::NotebookRoleArn), ("S3_KEY", Env::NotebookParamsFile)]),
    api(Notebooks, "notebook", "delete", "DELETE", "notebook/{notebookName}", "Delete a sagemaker notebook instance in an MLSpace project"),
    api(Notebooks, "notebook", "start", "POST", "notebook/{notebookName}/start", "Starts a sagemaker notebook instance in an MLSpace project"),
    api(Notebooks, "notebook", "stop", "POST", "notebook/{notebookName}/stop", "Stop a sagemaker notebook instance in an MLSpace project"),
    api(Notebooks, "notebook", "presigned_url", "GET", "notebook/{notebookName}/url", "Gets a presigned URL to open a sagemaker notebook instance"),
    api(Notebooks, "logs", "get", "GET", "notebook/{notebookName}/logs", "Returns the log events for the specified notebook").id("notebooks-get-logs"),
    api(Notebooks, "resource_scheduler", "set_resource_termination", "PUT", "notebook/{notebookName}/schedule", "Update the termination time of a SageMaker Notebook").id("resource_scheduler-set-notebook-termination"),
    // mlspace-project-apis (remove_user, update and delete run as the system role)
    api(Projects, "project", "list_all", "GET", "project", "List all MLSpace projects"),
    api(Projects, "project", "create", "POST", "project", "Create a new MLSpace project").env(DATA),
    api(Projects, "project", "project_users", "GET", "project/{projectName}/users", "Lists users that belong to a project"),
    api(Projects, "project", "add_users", "POST", "project/{projectName}/users", "Adds users to a project").env(DATA),
    api(Projects, "project", "update_project_user", "PUT", "project/{projectName}/users/{username}", "Change the role of an MLSpace user within a project"),
    api(Projects, "project", "add_groups", "POST", "project/{projectName}/groups", "Adds groups to a project").env(DATA),
    api(Projects, "project", "update_project_group", "PUT", "project/{projectName}/groups/{groupName}", "Change the role of an MLSpace group within a project").env(DATA),
    api(Projects, "project", "delete", "DELETE", "project/{projectName}", "Delete an MLSpace project").env(DATA).system(),
    api(Projects, "project", "get", "GET", "project/{projectName}", "Gets the corresponding project object"),
    api(Projects, "project", "remove_user", "DELETE", "project/{projectName}/users/{username}", "Removes a user from a project").env(DATA).system(),
    api(Projects, "project", "remove_group", "DELETE", "project/{projectName}/groups/{groupName}", "Removes a group from a project").env(DATA),
    api(Projects, "project", "update", "PUT", "project/{projectName}", "Updates project state (suspended/active)").system(),
    api(Projects, "training_job", "list_resources", "GET", "project/{projectName}/jobs/training", "List training jobs"),
    api(Projects, "transform_job", "list_resources", "GET", "project/{projectName}/jobs/transform", "Lists transform jobs"),
    api(Projects, "hpo_job", "list_resources", "GET", "project/{projectName}/jobs/hpo", "Lists HPO jobs"),
    api(Projects, "labeling_job", "list_resources", "GET", "project/{projectName}/jobs/labeling", "List Ground Truth labeling jobs"),
    api(Projects, "labeling_job", "list_workteams", "GET", "project/{projectName}/jobs/labeling/teams", "Describes a Ground Truth workteams"),
    api(Projects, "notebook", "list_resources", "GET", "project/{projectName}/notebooks", "List all notebook instances in MLSpace"),
    api(Projects, "model", "list_resources", "GET", "project/{projectName}/models", "List models"),
    api(Projects, "endpoint", "list_resources", "GET", "project/{projectName}/endpoints", "Lists endpoints"),
    api(Projects, "endpoint_config", "list_resources", "GET", "project/{projectName}/endpoint-configs", "Lists endpoint configs"),
    api(Projects, "dataset", "list_resources", "GET", "project/{projectName}/datasets", "List all datasets associated with the specified project"),
    api(Projects, "emr", "list_all", "GET", "project/{projectName}/emr", "List all EMR Clusters in MLSpace"),
    api(Projects, "emr", "create", "POST", "project/{projectName}/emr", "Create an EMR Cluster in an MLSpace project").env(&[("BUCKET", Env::ConfigBucket), ("S3_KEY", Env::NotebookParamsFile), ("EMR_SECURITY_CONFIGURATION", Env::EmrSecurityConfiguration), ("EMR_EC2_ROLE_NAME", Env::EmrEc2RoleName), ("EMR_SERVICE_ROLE_NAME", Env::EmrServiceRoleName), ("EMR_EC2_SSH_KEY", Env::EmrEc2SshKey), ("DATA_BUCKET", Env::DataBucket), ("LOG_BUCKET", Env::LogsBucket)]),
    api(Projects, "batch_translate", "list", "GET", "project/{projectName}/batch-translate-jobs", "List pages of Batch Translate jobs for a project in MLSpace"),
    api(Projects, "project", "project_groups", "GET", "project/{projectName}/groups", "Lists groups that belong to a project"),
    // mlspace-emr-apis
    api(Emr, "emr", "get", "GET", "emr/{clusterId}", "Describe an EMR Cluster"),
    api(Emr, "emr", "delete", "DELETE", "emr/{clusterId}", "Delete an EMR Cluster"),
    api(Emr, "emr", "remove", "DELETE", "emr/{clusterId}/remove", "Remove an EMR Cluster from the resource metadata table"),
    api(Emr, "resource_scheduler", "set_resource_termination", "PUT", "emr/{clusterId}/schedule", "Update the termination time of an EMR Cluster").id("resource_scheduler-set-emr-termination"),
    api(Emr, "emr", "list_applications", "GET", "emr/applications", "List all applications available to install and configure when launching a cluster"),
    api(Emr, "emr", "list_release_labels", "GET", "emr/release", "List of available EMR release labels"),
    // mlspace-app-config-apis
    api(AppConfiguration, "app_configuration", "get_configuration", "GET", "app-config", "Get the requested number of MLSpace application configurations, starting from the most recent").public(),
    api(AppConfiguration, "app_configuration", "update_configuration", "POST", "app-config", "Update the MLSpace application configuration").env(&[("ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN", Env::EndpointConfigInstanceConstraintPolicyArn), ("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", Env::JobInstanceConstraintPolicyArn)]).system(),
    // mlspace-group-apis (remove_user, update and delete run as the system role)
    api(Groups, "group", "list_all", "GET", "group", "List all MLSpace groups for a user"),
    api(Groups, "group", "create", "POST", "group", "Create a new MLSpace group").env(DATA),
    api(Groups, "group", "group_datasets", "GET", "group/{groupName}/datasets", "Lists datasets that belong to a group"),
    api(Groups, "group", "group_users", "GET", "group/{groupName}/users", "Lists users that belong to a group"),
    api(Groups, "group", "add_users", "POST", "group/{groupName}/users", "Adds users to a group").env(DATA),
    api(Groups, "group", "delete", "DELETE", "group/{groupName}", "Delete an MLSpace group").env(DATA).system(),
    api(Groups, "group", "get", "GET", "group/{groupName}", "Gets the corresponding group object"),
    api(Groups, "group", "group_projects", "GET", "group/{groupName}/projects", "Lists projects that belong to a group"),
    api(Groups, "group", "remove_user", "DELETE", "group/{groupName}/users/{username}", "Removes a user from a group").env(DATA).system(),
    api(Groups, "group", "update", "PUT", "group/{groupName}", "Updates group state (suspended/active)").system(),
    // mlspace-group-membership-history-apis
    api(GroupMembershipHistory, "group_membership_history", "list_all_for_group", "GET", "group-membership-history/{groupName}", "List all group membership history for a specific group"),
    // mlspace-translate-apis
    api(Translate, "translate_realtime", "translate_text", "POST", "translate/realtime/text", "Perform a real-time translation of a source text, with a source and target language"),
    api(Translate, "translate_realtime", "translate_document", "POST", "translate/realtime/document", "Perform a real-time translation of a source document, with a source and target language"),
    api(Translate, "batch_translate", "describe", "GET", "batch-translate/{jobId}", "Describe a Batch Translate job"),
    api(Translate, "batch_translate", "create", "POST", "batch-translate", "Create a Batch Translate job in an MLSpace project").env(&[("BUCKET", Env::ConfigBucket), ("S3_KEY", Env::NotebookParamsFile), ("DATA_BUCKET", Env::DataBucket), ("TRANSLATE_DATE_ROLE_ARN", Env::AppRoleArn)]),
    api(Translate, "batch_translate", "stop", "POST", "batch-translate/{jobId}/stop", "Stop a Batch Translate job"),
    api(Translate, "metadata", "list_languages", "GET", "translate/list-languages", "List the supported languages for AWS Translate"),
    api(Translate, "custom_terminology", "list", "GET", "translate/custom-terminologies", "List pages of Custom Terminologies for AWS Translate"),
];

/// The routes one stack serves, in order.
pub fn routes_of(stack: ApiKind) -> impl Iterator<Item = &'static Route> {
    ROUTES.iter().filter(move |r| r.stack == stack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_ids_are_unique_per_stack() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.stack == b.stack && a.function_id() == b.function_id()),
                    "{} twice",
                    a.function_id()
                );
                assert!(
                    !(a.path == b.path && a.method == b.method),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn ids_and_handlers_follow_the_naming_rule() {
        let r = ROUTES
            .iter()
            .find(|r| r.id == Some("dataset-admin"))
            .unwrap();
        assert_eq!(r.function_id(), "mls-lambda-dataset-admin");
        assert_eq!(
            r.handler(),
            "ml_space_lambda.dataset.lambda_functions.list_resources"
        );
        assert_eq!(ROUTES[0].function_id(), "mls-lambda-user-list_all");
        assert!(routes_of(ApiKind::AppConfiguration).any(|r| r.no_authorizer));
    }
}
