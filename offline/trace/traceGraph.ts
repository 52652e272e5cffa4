/** model -> trace -> check in one call, for the job and for tests: a resource graph in, checked cases out. */
import { Failure, checkCases } from "../check/checks";
import { NetworkModel, buildNetworkModel } from "../model/network";
import { ResourceGraph } from "../model/resourceGraph";
import { Topology, buildTopology } from "../model/topology";
import { traceFlows } from "./flows";
import { FlowCase } from "./types";

export interface TracedGraph {
  readonly model: NetworkModel;
  readonly topology: Topology;
  readonly cases: FlowCase[];
  readonly failures: Failure[];
}

export function traceGraph(graph: ResourceGraph): TracedGraph {
  const model = buildNetworkModel(graph);
  const topology = buildTopology(model, graph);
  const cases = traceFlows(model, topology);
  const failures = checkCases(cases);
  if (topology.hubs.length === 0) {
    failures.push({ flow: "(topology)", caseLabel: "", direction: "forward", hop: 0, hopText: "", entry: "(none)", message: "no hub found: no VPC attached to a transit gateway has both GWLB endpoints and an internet gateway" });
  }
  if (cases.length === 0) {
    failures.push({ flow: "(topology)", caseLabel: "", direction: "forward", hop: 0, hopText: "", entry: "(none)", message: "no flow to trace: no public ALB with targets and no spoke with subnets" });
  }
  for (const problem of model.problems) failures.push({ flow: "(model)", caseLabel: "", direction: "forward", hop: 0, hopText: "", entry: "(graph)", message: problem });
  return { model, topology, cases, failures };
}
