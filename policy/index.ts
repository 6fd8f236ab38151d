import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

// `pulumi preview --policy-pack policy` loads this module and serves the pack to the engine; the
// offline plan (`npm run plan -- --policy-pack policy`) loads it too and evaluates the same
// policies itself. Policies default to advisory: a stack's config file makes them mandatory.
new PolicyPack(PACK_NAME, {
    description: "Production guardrails of the Databricks MLOps platform on Azure.",
    enforcementLevel: "advisory",
    policies,
});
