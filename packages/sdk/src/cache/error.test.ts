import { describe, expect, it } from "vitest";
import { CacheError } from "./error.ts";

describe("CacheError", () => {
  it("maps each code to its wire code", () => {
    expect(new CacheError("closed").wireCode).toBe(0);
    expect(new CacheError("stop").wireCode).toBe(206);
    expect(new CacheError("not-found").wireCode).toBe(404);
    expect(new CacheError("duplicate").wireCode).toBe(409);
    expect(new CacheError("wrong-size").wireCode).toBe(500);
    expect(CacheError.reset(42).wireCode).toBe(42);
    expect(CacheError.reset(42).code).toBe("reset");
  });

  it("is an Error with a name, a code and a message", () => {
    const error = new CacheError("duplicate", { message: "segment 3 again" });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CacheError");
    expect(error.message).toBe("segment 3 again");
  });

  it("refuses a reset without a valid code, and unknown codes", () => {
    expect(() => new CacheError("reset")).toThrow(/resetCode/);
    expect(() => CacheError.reset(-1)).toThrow(TypeError);
    expect(() => CacheError.reset(1.5)).toThrow(TypeError);
    expect(() => new CacheError("bogus" as "closed")).toThrow(TypeError);
  });
});
