// Undo data: what disconnecting a block needs to put the state back bit for
// bit (docs/ledger.md, "Undo data and reorgs"), after Bitcoin Core's
// CBlockUndo / DisconnectBlock.
//
// Promise: for a block whose record writes are W on top of state S,
// make_undo(S, W) is the before-image of W: every key W touches, mapped to
// its value in S (nullopt where S had no record). Applying it to S + W gives
// back exactly S's record set, so the state root (a pure function of the
// record set, state.h) is S's again. This holds for every module and hook
// (transfers, orders, cancels, meter readings, clearing and settlement)
// without any module writing reverse rules: the writes already name every
// record a block changed. Pure functions; thread-safe.
#pragma once

#include "chain/state.h"

namespace wattle::chain {

// A deliberate bug the undo tests must catch (a checker that cannot fail
// proves nothing): kNoUndoEscrow forgets the escrow records (Namespace
// kEscrow), so a disconnect leaves escrow as the block set it.
enum class UndoMutation : uint8_t { kNone, kNoUndoEscrow };

Result<StateWrites> make_undo(const StateReader& before, const StateWrites& writes,
                              UndoMutation mutation = UndoMutation::kNone);

// Canonical encoding of undo data for the store: count, then per key in
// order the encoded key, a presence byte and the value. Decoding refuses
// trailing bytes, keys out of order or repeated, and more than kMaxUndoKeys.
inline constexpr uint32_t kMaxUndoKeys = 1u << 22;
Bytes encode_undo(const StateWrites& undo);
Result<StateWrites> decode_undo(ByteView bytes);

}  // namespace wattle::chain
