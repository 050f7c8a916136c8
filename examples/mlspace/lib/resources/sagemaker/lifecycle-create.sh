#!/bin/bash
# Example notebook lifecycle script (runs once, when a notebook instance is created).
# The synthesizer replaces <DATA_BUCKET_NAME> with the data bucket of the deployment.
set -euo pipefail
echo "MLSpace example: notebooks read shared data from s3://<DATA_BUCKET_NAME>/global-read-only/"
mkdir -p /home/ec2-user/SageMaker/global-examples
