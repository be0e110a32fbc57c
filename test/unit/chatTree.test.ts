/**
 * The chat's message tree (Regenerate and Edit make branches): which path is shown, the "‹ i/n ›"
 * branch info, switching keeps each branch's own latest path, the disk round trip, and the bound.
 */
import * as assert from 'node:assert/strict';
import { ChatTree } from '../../src/features/chat/chatTree';
import type { AssistantMessageView, MessageView, UserMessageView } from '../../src/shared/protocol';

const q = (id: string, text = id): UserMessageView => ({ id, role: 'user', text });
const a = (id: string, text = id): AssistantMessageView => ({ id, role: 'assistant', text, state: 'done' });
const ids = (messages: readonly MessageView[]): string[] => messages.map((m) => m.id);

/** q1 → a1 → q2 → a2, then a1 regenerated as a1b, then q2 edited (under a1b) as q2b → a2b. */
function branched(): ChatTree {
  const t = ChatTree.fromPath([q('q1'), a('a1'), q('q2'), a('a2')]);
  t.add(a('a1b'), 'q1');
  t.add(q('q2b'), 'a1b');
  t.add(a('a2b'), 'q2b');
  return t;
}

describe('ChatTree (branches)', () => {
  it('shows the newest branch; every earlier one stays reachable with its own latest path', () => {
    const t = branched();
    assert.deepEqual(ids(t.path()), ['q1', 'a1b', 'q2b', 'a2b']);
    assert.deepEqual(t.branchInfo('a1b'), { index: 2, count: 2 });
    assert.equal(t.branchInfo('q1'), undefined);
    assert.ok(t.switchBranch('a1b', -1));
    assert.deepEqual(ids(t.path()), ['q1', 'a1', 'q2', 'a2'], 'the first answer lost what followed it');
    assert.deepEqual(t.branchInfo('a1'), { index: 1, count: 2 });
    assert.equal(t.switchBranch('a1', -1), undefined, 'there is nothing before the first branch');
    t.switchBranch('a1', 1);
    assert.deepEqual(ids(t.path()), ['q1', 'a1b', 'q2b', 'a2b']);
  });

  it('an edit is a sibling question (same parent); the path below each sibling is its own', () => {
    const t = ChatTree.fromPath([q('q1'), a('a1'), q('q2'), a('a2'), q('q3'), a('a3')]);
    t.add(q('q2e'), t.parentOf('q2')!.id);
    t.add(a('a2e'), 'q2e');
    assert.deepEqual(ids(t.path()), ['q1', 'a1', 'q2e', 'a2e']);
    assert.deepEqual(t.siblings('q2e'), ['q2', 'q2e']);
    t.switchBranch('q2e', -1);
    assert.deepEqual(ids(t.path()), ['q1', 'a1', 'q2', 'a2', 'q3', 'a3']);
    // Editing the very first question: top-level siblings.
    t.add(q('q1e'), undefined);
    assert.deepEqual(ids(t.path()), ['q1e']);
    assert.deepEqual(t.branchInfo('q1e'), { index: 2, count: 2 });
  });

  it('holds the objects it was given (the stream session updates them in place)', () => {
    const answer = a('a1', '');
    const t = new ChatTree();
    t.add(q('q1'), undefined);
    t.add(answer, 'q1');
    answer.text = 'streamed';
    assert.equal((t.path()[1] as AssistantMessageView).text, 'streamed');
    assert.throws(() => t.add(a('a1'), 'q1'), /already/);
    assert.throws(() => t.add(a('x'), 'nope'), /no message/);
  });

  it('round-trips through its disk form, picked branches included; a node with a missing parent is dropped', () => {
    const t = branched();
    t.switchBranch('a1b', -1);
    const back = ChatTree.fromData(JSON.parse(JSON.stringify(t.toData())));
    assert.deepEqual(ids(back.path()), ['q1', 'a1', 'q2', 'a2']);
    assert.equal(back.size, 7);
    const damaged = ChatTree.fromData({ nodes: [{ message: q('q1') }, { message: a('orphan'), parent: 'gone' }], active: { '': 'orphan' } });
    assert.deepEqual(ids(damaged.path()), ['q1']);
  });

  it("graft adds another window's message as a branch that is not shown: the shown path stays", () => {
    // No branch picked anywhere (the newest child shows): grafting must not make its message the newest shown.
    const t = ChatTree.fromData({ nodes: ChatTree.fromPath([q('q1'), a('a1'), q('q2'), a('a2')]).toData().nodes, active: {} });
    assert.ok(t.graft(q('q3'), 'a1'));
    assert.ok(t.graft(a('a3'), 'q3'));
    assert.deepEqual(ids(t.path()), ['q1', 'a1', 'q2', 'a2'], 'a grafted message was shown');
    assert.deepEqual(t.branchInfo('q3'), { index: 2, count: 2 });
    assert.equal(t.graft(q('q3'), 'a1'), false, 'an id already in the tree');
    assert.equal(t.graft(q('q4'), 'missing'), false, 'a parent not in the tree');
    assert.ok(t.graft(q('q0'), undefined));
    assert.deepEqual(ids(t.path()), ['q1', 'a1', 'q2', 'a2'], 'a grafted top-level message was shown');
  });

  it('prune keeps the shown path: other branches go first (oldest first), then the oldest turns', () => {
    const t = branched(); // 7 messages, path q1 a1b q2b a2b
    assert.equal(t.prune(10), 0);
    assert.equal(t.prune(5), 3, 'the a1 branch (a1, q2, a2) is dropped whole');
    assert.deepEqual(ids(t.path()), ['q1', 'a1b', 'q2b', 'a2b']);
    assert.equal(t.prune(2), 2);
    assert.deepEqual(ids(t.path()), ['q2b', 'a2b']);
    assert.equal(t.size, 2);
  });
});
