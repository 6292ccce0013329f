/** The isolation verdict for a restore-test target, from facts an activity gathered. Pure. */

export interface NetworkFacts {
  accountId: string;
  vpcId: string;
  routes: Array<{ routeTableId: string; destination: string; gatewayId?: string; natGatewayId?: string; vpcPeeringConnectionId?: string; transitGatewayId?: string }>;
  peeringConnections: string[];
  transitGatewayAttachments: string[];
  securityGroups: Array<{ groupId: string; openIngress: string[] }>;
}

export interface IsolationRules {
  isolatedAccountIds: string[];
  productionAccountIds: string[];
}

export function isolationProblems(f: NetworkFacts, rules: IsolationRules): string[] {
  const out: string[] = [];
  if (rules.productionAccountIds.includes(f.accountId)) out.push(`target account ${f.accountId} is a production account`);
  if (!rules.isolatedAccountIds.includes(f.accountId)) out.push(`target account ${f.accountId} is not the runbook's isolated account`);
  for (const r of f.routes) {
    if (r.gatewayId?.startsWith('igw-')) out.push(`route table ${r.routeTableId} routes ${r.destination} to internet gateway ${r.gatewayId}`);
    if (r.natGatewayId) out.push(`route table ${r.routeTableId} routes ${r.destination} to NAT gateway ${r.natGatewayId}`);
    if (r.vpcPeeringConnectionId) out.push(`route table ${r.routeTableId} routes ${r.destination} to peering ${r.vpcPeeringConnectionId}`);
    if (r.transitGatewayId) out.push(`route table ${r.routeTableId} routes ${r.destination} to transit gateway ${r.transitGatewayId}`);
  }
  for (const p of f.peeringConnections) out.push(`VPC ${f.vpcId} has peering connection ${p}`);
  for (const t of f.transitGatewayAttachments) out.push(`VPC ${f.vpcId} has transit gateway attachment ${t}`);
  for (const sg of f.securityGroups) for (const cidr of sg.openIngress) out.push(`security group ${sg.groupId} allows ingress from ${cidr}`);
  return out;
}
