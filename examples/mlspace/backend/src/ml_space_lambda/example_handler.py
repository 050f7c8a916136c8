"""An example handler: answers every request with the path it was called for."""
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"path": event.get("path", "")})}
