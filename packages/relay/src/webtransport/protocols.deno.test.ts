import assert from "node:assert/strict";
import { parseProtocol, parseProtocolList, serializeProtocol } from "./protocols.ts";

Deno.test("parseProtocolList: lists of sf-strings, with optional whitespace around commas", () => {
  const cases: Array<[string, string[]]> = [
    ['"moq-00", "moql"', ["moq-00", "moql"]],
    ['"moq-00","moql"', ["moq-00", "moql"]],
    ['"a" ,\t"b"  ,  "c"', ["a", "b", "c"]],
    ['  "padded"  ', ["padded"]],
    ['"one"', ["one"]],
    ['""', [""]],
    ['"with space", "sym!#$%&\'()*+-./:;<=>?@[]^_`{|}~"', ["with space", "sym!#$%&'()*+-./:;<=>?@[]^_`{|}~"]],
    ["", []],
    ["   ", []],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseProtocolList(input), expected, input);
});

Deno.test("parseProtocolList: escaped quote and backslash", () => {
  assert.deepEqual(parseProtocolList('"a\\"b", "c\\\\d", "\\\\\\""'), ['a"b', "c\\d", '\\"']);
  assert.deepEqual(parseProtocolList('"comma,inside", "semi;inside"'), ["comma,inside", "semi;inside"]);
});

Deno.test("parseProtocolList: parameters on members are ignored, whatever their values hold", () => {
  const cases: Array<[string, string[]]> = [
    ['"a";q=1, "b"', ["a", "b"]],
    ['"a";x;y=?0;z=tok/en, "b";w=1.5', ["a", "b"]],
    ['"a"; spaced=1, "b"', ["a", "b"]],
    ['"a";bytes=:aGVsbG8=:, "b"', ["a", "b"]],
    // String parameter values may hold commas, semicolons and escaped quotes.
    ['"a";note="x, y", "b"', ["a", "b"]],
    ['"a";note="x;y\\",z";k=2, "b";n="", "c"', ["a", "b", "c"]],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseProtocolList(input), expected, input);
});

Deno.test("parseProtocolList: malformed lists are undefined", () => {
  const malformed = [
    "moql", // a token, not a string
    '"a",', // trailing comma
    '"a", ', // trailing comma and space
    ', "a"', // leading comma
    '"a",,"b"', // empty member
    '"a" "b"', // missing comma
    '"unterminated',
    '"a", "unterminated',
    '"bad\\escape"', // only \" and \\ are escapes
    '"trailing backslash\\',
    '"é"', // not ASCII
    '"tab\tinside"', // control character
    '"del\x7f"',
    '("a" "b")', // an inner list
    "1", // an integer
    '"a"x', // junk after a member
    '"a";note="unterminated, "b"',
    '"a";=1, "b"', // a parameter without a key
    '"a";Key=1', // keys are lowercase
    '"a";k=, "b"', // a parameter with "=" and no value
  ];
  for (const input of malformed) assert.equal(parseProtocolList(input), undefined, JSON.stringify(input));
});

Deno.test("serializeProtocol quotes and escapes; parse(serialize(x)) is x for printable ASCII", () => {
  assert.equal(serializeProtocol("moq-00"), '"moq-00"');
  assert.equal(serializeProtocol('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(serializeProtocol(""), '""');
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index)).join("");
  const protocols = [printable, ...Array.from({ length: 20 }, (_, index) => printable.slice(index * 4, index * 4 + 9))];
  assert.deepEqual(parseProtocolList(protocols.map(serializeProtocol).join(", ")), protocols);
  for (const protocol of protocols) assert.equal(parseProtocol(serializeProtocol(protocol)), protocol);
});

Deno.test("serializeProtocol refuses what an sf-string cannot hold", () => {
  for (const protocol of ["é", "line\nbreak", "tab\t", "\x7f", "\x00", "🎉"]) {
    assert.throws(() => serializeProtocol(protocol), TypeError, JSON.stringify(protocol));
  }
});

Deno.test("parseProtocol reads one sf-string item (wt-protocol), parameters ignored", () => {
  assert.equal(parseProtocol('"moql"'), "moql");
  assert.equal(parseProtocol('  "moql"\t'), "moql");
  assert.equal(parseProtocol('"a\\"b"'), 'a"b');
  assert.equal(parseProtocol('"moql";v=1'), "moql");
  assert.equal(parseProtocol('"moql";note="x, y"'), "moql");
  for (const input of ['"a", "b"', "moql", '"moql" x', '"moql', "", '"moql";']) {
    assert.equal(parseProtocol(input), undefined, JSON.stringify(input));
  }
});
