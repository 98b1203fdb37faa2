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
