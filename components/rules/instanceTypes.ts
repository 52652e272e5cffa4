/**
 * An instance type and the architecture of its image, checked together by the one rule every
 * instance of the stack follows (the fleet's appliances and the sample web tier): the image is
 * chosen by architecture, so a Graviton type with an x86_64 image fails at launch.
 */
import { ARCHITECTURES, Architecture } from "../args/common";
import { INSTANCE_TYPE_PATTERN, instanceTypeArchitecture } from "./awsLimits";
import { Problems, describeValue } from "./problems";

export interface InstanceChoice {
  readonly instanceType: string;
  readonly architecture: Architecture;
}

/**
 * The instance type and architecture from what was given: a given type decides the architecture, a
 * given architecture picks its default type, neither gives `defaultArchitecture` and its default.
 * Both given must agree. `prefix` names the arguments ("fleet." -> "fleet.instanceType").
 */
export function resolveInstanceChoice(
  problems: Problems,
  prefix: string,
  given: { readonly instanceType?: unknown; readonly architecture?: unknown },
  defaults: Readonly<Record<Architecture, string>>,
  defaultArchitecture: Architecture,
): InstanceChoice | undefined {
  let instanceType: string | undefined;
  if (given.instanceType !== undefined) {
    if (typeof given.instanceType === "string" && INSTANCE_TYPE_PATTERN.test(given.instanceType)) instanceType = given.instanceType;
    else problems.add(`${prefix}instanceType`, `must be an EC2 instance type such as "${defaults[defaultArchitecture]}", got ${describeValue(given.instanceType)}`);
  }
  const architecture = problems.oneOf(`${prefix}architecture`, given.architecture ?? (instanceType ? instanceTypeArchitecture(instanceType) : defaultArchitecture), ARCHITECTURES);
  if (architecture === undefined || (given.instanceType !== undefined && instanceType === undefined)) return undefined;
  if (instanceType === undefined) return { instanceType: defaults[architecture], architecture };
  const typeArchitecture = instanceTypeArchitecture(instanceType);
  if (typeArchitecture !== architecture) {
    problems.add(
      `${prefix}instanceType`,
      `"${instanceType}" is an ${typeArchitecture} instance type but ${prefix}architecture is "${architecture}"; the image follows the architecture, so they must agree`,
    );
    return undefined;
  }
  return { instanceType, architecture };
}
