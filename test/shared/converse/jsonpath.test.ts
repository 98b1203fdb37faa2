import { compileJsonPath, JsonPathSyntaxError } from '../../../shared/converse/jsonpath';

const reply = {
  messages: [
    { text: 'Hi', buttons: [{ title: 'Track order' }, { title: 'Help' }] },
    { text: 'Bye', meta: { order: { id: 'A-1' } } },
  ],
  'odd key': 5,
};

describe('compileJsonPath', () => {
  it('selects through wildcards in document order', () => {
    expect(compileJsonPath('$.messages[*].text').select(reply)).toEqual(['Hi', 'Bye']);
    expect(compileJsonPath('$.messages[*].buttons[*].title').select(reply)).toEqual(['Track order', 'Help']);
  });

  it('selects by index, negative index, quoted key and recursive descent', () => {
    expect(compileJsonPath('$.messages[0].text').select(reply)).toEqual(['Hi']);
    expect(compileJsonPath('$.messages[-1].text').select(reply)).toEqual(['Bye']);
    expect(compileJsonPath("$['odd key']").select(reply)).toEqual([5]);
    expect(compileJsonPath('$..id').select(reply)).toEqual(['A-1']);
    expect(compileJsonPath('$').select(3)).toEqual([3]);
  });

  it('selects nothing when the path does not exist', () => {
    expect(compileJsonPath('$.text').select(reply)).toEqual([]);
    expect(compileJsonPath('$.messages[5].text').select(reply)).toEqual([]);
  });

  it('rejects malformed expressions with the position', () => {
    expect(() => compileJsonPath('messages')).toThrow(JsonPathSyntaxError);
    expect(() => compileJsonPath('$.messages[?(@.x)]')).toThrow(/unsupported selector/);
    expect(() => compileJsonPath('$.a[1')).toThrow(/missing \]/);
  });
});

describe('compileJsonPath order', () => {
  it('lists nested wildcard and recursive-descent matches in the order a segment-by-segment walk gives', () => {
    // Prepare: ids at several depths, in arrays and objects, one nested inside another match.
    const document = { a: [{ id: 1, b: { id: 2 } }, { id: 3 }], c: { id: { id: 4 } }, d: [[{ id: 5 }], { e: [{ id: 6 }] }] };
    // Act
    const descended = compileJsonPath('$..id').select(document);
    const wildcards = compileJsonPath('$.d[*][*]').select(document);
    const afterDescent = compileJsonPath('$..b.id').select(document);
    // Assert: a match's own value comes before the matches inside it, siblings in key order.
    expect(descended).toEqual([1, 2, 3, { id: 4 }, 4, 5, 6]);
    expect(wildcards).toEqual([{ id: 5 }, [{ id: 6 }]]);
    expect(afterDescent).toEqual([2]);
  });

  it('gives a fresh array per selection, so callers may keep or change what they got', () => {
    // Prepare
    const path = compileJsonPath('$.messages[*].text');
    // Act
    const first = path.select(reply);
    first.push('changed');
    // Assert
    expect(path.select(reply)).toEqual(['Hi', 'Bye']);
  });
});
