// An operation that takes a request body or a query parameter can be refused
// for bad input, so it must document 400. (A JSONPath filter cannot look
// into the parameters list, hence a function.)
export default function documentsBadInput(op, _options, context) {
  if (op === null || typeof op !== "object") {
    return [];
  }
  const query = (op.parameters || []).some((p) => p && p.in === "query");
  if ((op.requestBody || query) && !(op.responses && op.responses["400"])) {
    return [{ message: "takes a body or query parameters but does not document 400", path: [...context.path, "responses"] }];
  }
  return [];
}
