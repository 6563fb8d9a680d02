/// <reference path="../.sst/platform/config.d.ts" />
import { juryUsesBedrock, ownsDatabase, production, vpcNeedsInternet } from "./deploy-settings";

// A stage that owns its database gets a VPC for it, and the functions that use the database run in
// its private subnets. Each such stage pays for one way out of them, never both (docs/deployment.md,
// "Network"): NAT when something there must reach the internet (deploy-settings.ts,
// vpcNeedsInternet), otherwise interface endpoints for the only AWS services the functions call,
// SQS (the pacts subgraph and ScheduledJobs publish judge jobs) and, for Bedrock jurors, Bedrock.

/** The network of the database-facing functions; undefined when the database is external. */
export const vpc = ownsDatabase
  ? new sst.aws.Vpc("Vpc", {
      // Managed NAT gateways (one per AZ) are highly available; an EC2 NAT instance per AZ costs a
      // fraction and is good enough elsewhere.
      ...(vpcNeedsInternet ? { nat: production ? ("managed" as const) : ("ec2" as const) } : {}),
    })
  : undefined;

/**
 * An interface endpoint in every private subnet, answering for the service's public hostname
 * (private DNS), so that the AWS SDK's default endpoint resolves to it. The VPC's default
 * security group, which the functions and the endpoint share, admits HTTPS from inside the VPC.
 */
function interfaceEndpoint(name: string, service: string, network: sst.aws.Vpc) {
  return new aws.ec2.VpcEndpoint(name, {
    vpcId: network.id,
    serviceName: $interpolate`com.amazonaws.${aws.getRegionOutput().region}.${service}`,
    vpcEndpointType: "Interface",
    privateDnsEnabled: true,
    subnetIds: network.privateSubnets,
    securityGroupIds: network.securityGroups,
  });
}

/** The endpoints that stand in for NAT; none when the VPC has NAT, or no VPC. */
export const endpoints =
  vpc && !vpcNeedsInternet
    ? [
        interfaceEndpoint("SqsEndpoint", "sqs", vpc),
        ...(juryUsesBedrock ? [interfaceEndpoint("BedrockEndpoint", "bedrock-runtime", vpc)] : []),
      ]
    : [];
