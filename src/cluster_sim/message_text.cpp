#include "cluster_sim/message_text.h"

#include <fmt/format.h>

namespace wattle::cluster_sim {

using namespace consensus::bft;

std::optional<std::pair<uint64_t, uint32_t>> height_round(const Message& m) {
  if (auto* v = std::get_if<Vote>(&m)) return std::pair{v->height, v->round};
  if (auto* p = std::get_if<ProposalMessage>(&m))
    return std::pair{p->proposal.height, p->proposal.round};
  return std::nullopt;
}

std::string short_id(const std::optional<Hash256>& id) {
  return id ? id->hex().substr(0, 8) : std::string("nil");
}

std::string describe(ByteView bytes) {
  auto m = decode_message(bytes);
  if (!m) return "malformed";
  if (auto* v = std::get_if<Vote>(&*m))
    return fmt::format("{} h={} r={} v={} by={}", vote_type_name(v->type), v->height, v->round,
                       short_id(v->value_id), v->validator);
  if (auto* p = std::get_if<ProposalMessage>(&*m))
    return fmt::format("proposal h={} r={} v={} vr={} by={} pol={}", p->proposal.height,
                       p->proposal.round, short_id(p->proposal.value.id), p->proposal.valid_round,
                       p->proposal.proposer, p->proof_of_lock.size());
  const auto& d = std::get<DecisionMessage>(*m);
  return fmt::format("decision h={} r={} v={}", d.certificate.height, d.certificate.round,
                     short_id(d.value.id));
}

}  // namespace wattle::cluster_sim
