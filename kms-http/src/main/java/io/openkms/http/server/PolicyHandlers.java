package io.openkms.http.server;

import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.ListPoliciesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.http.proto.PolicyResponse;
import io.openkms.http.proto.PolicyStatusResponse;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.Listing;
import io.openkms.kms.domain.Page;
import io.openkms.kms.domain.Policy;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * Handlers of the policy commands 301–306 (docs/PROTOCOL.md §4.2, docs/REFERENCE.md §5.3). A
 * policy's allow and deny maps go from command text to a set of name patterns ({@code RuleSet}
 * keys).
 */
final class PolicyHandlers {

  private PolicyHandlers() {}

  /** POLICY:CREATE (301): creates or overwrites. */
  static CompletionStage<byte[]> create(Call call, CreatePolicyRequest req) {
    return call.commit(
        call.changes()
            .createPolicy(
                call.enclave(),
                req.getName(),
                patterns(req.getAllowMap()),
                patterns(req.getDenyMap()),
                call.caller()));
  }

  /** POLICY:DELETE (302). */
  static CompletionStage<byte[]> delete(Call call, DeletePolicyRequest req) {
    return call.commit(call.changes().deletePolicy(call.enclave(), req.getName()));
  }

  /** POLICY:ASSIGN (303): replaces the User identity's policy. */
  static CompletionStage<byte[]> assign(Call call, AssignPolicyRequest req) {
    return call.commit(
        call.changes()
            .assignPolicy(
                call.enclave(), IdentityHandlers.identity(req.getIdentity()), req.getPolicy()));
  }

  /** POLICY:GET (304). */
  static byte[] get(Call call, PolicyRequest req) {
    Policy p = call.state().policy(call.enclave(), req.getName());
    return PolicyResponse.newBuilder()
        .setName(p.name())
        .putAllAllow(ruleSets(p.allow()))
        .putAllDeny(ruleSets(p.deny()))
        .setCreatedAt(Call.timestamp(p.createdAt()))
        .setCreatedBy(Call.text(p.createdBy()))
        .build()
        .toByteArray();
  }

  /** POLICY:STATUS (305). */
  static byte[] status(Call call, PolicyRequest req) {
    return status(call.state().policy(call.enclave(), req.getName())).toByteArray();
  }

  /** POLICY:LIST (306). */
  static byte[] list(Call call, ListRequest req) {
    Page<Policy> page =
        Listing.page(
            call.state().enclave(call.enclave()).policies(),
            req.getPrefix(),
            req.getContinueAt(),
            req.getLimit(),
            call.listFilter(Command.POLICY_LIST));
    ListPoliciesResponse.Builder out =
        ListPoliciesResponse.newBuilder().setContinueAt(page.continueAt());
    page.items().forEach(p -> out.addPolicies(status(p)));
    return out.build().toByteArray();
  }

  private static PolicyStatusResponse status(Policy p) {
    return PolicyStatusResponse.newBuilder()
        .setName(p.name())
        .setCreatedAt(Call.timestamp(p.createdAt()))
        .setCreatedBy(Call.text(p.createdBy()))
        .build();
  }

  private static Map<String, SortedSet<String>> patterns(Map<String, RuleSet> rules) {
    Map<String, SortedSet<String>> out = new TreeMap<>();
    rules.forEach((cmd, set) -> out.put(cmd, new TreeSet<>(set.getRulesMap().keySet())));
    return out;
  }

  private static Map<String, RuleSet> ruleSets(Map<String, SortedSet<String>> patterns) {
    Map<String, RuleSet> out = new TreeMap<>();
    patterns.forEach(
        (cmd, set) -> {
          RuleSet.Builder b = RuleSet.newBuilder();
          set.forEach(pattern -> b.putRules(pattern, Rule.getDefaultInstance()));
          out.put(cmd, b.build());
        });
    return out;
  }
}
