// Policy documents: validation errors that name the field.
import { strict as assert } from "node:assert";
import { Problems } from "../../../appliance-agent/src/policy/problems";
import { compilePolicy, parseEndpointId } from "../../../appliance-agent/src/policy/schema";

function problemsOf(doc: unknown): readonly string[] {
  const problems = new Problems();
  assert.equal(compilePolicy(doc, problems), undefined, "a document with problems must not compile");
  return problems.messages;
}

const base = { defaultAction: "deny", failMode: "closed" };

describe("agent: policy documents", () => {
  it("names the field of a bad CIDR", () => {
    const doc = {
      ...base,
      rules: [
        { action: "allow" },
        { action: "allow", protocol: "udp" },
        { action: "allow", destination: { cidr: "10.0.0.0/33" } },
      ],
    };
    assert.deepEqual(problemsOf(doc), ['rules[2].destination.cidr: "10.0.0.0/33" is not a valid CIDR']);
  });

  it("requires defaultAction, failMode and rules", () => {
    assert.deepEqual(problemsOf({}), [
      'defaultAction: undefined is not "allow" or "deny"',
      'failMode: undefined is not "open" or "closed" (required: how to treat packets that cannot be classified)',
      "rules: undefined is not an array of rules (use [] for none)",
    ]);
    assert.deepEqual(problemsOf([]), ["the document must be a JSON object, got []"]);
  });

  it("parses endpoint ids in the vpce-, 0x and bare hex forms", () => {
    assert.deepEqual(parseEndpointId("vpce-0123456789abcdef0".slice(0, 21)), [0x01234567, 0x89abcdef]);
    assert.deepEqual(parseEndpointId("vpce-00123456789abcdef"), [0x01234567, 0x89abcdef]);
    assert.deepEqual(parseEndpointId("0xff"), [0, 255]);
    assert.deepEqual(parseEndpointId("ffffffffffffffff"), [0xffffffff, 0xffffffff]);
    assert.equal(parseEndpointId("vpce-10123456789abcdef"), null);
    assert.equal(parseEndpointId(12), null);
  });
});
