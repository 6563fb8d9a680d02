import { ApolloServer } from "@apollo/server";

/** The smallest Apollo Server (`{ ok }` answers true), for tests of the HTTP edge around it. */
export function okServer(): ApolloServer {
  return new ApolloServer({
    typeDefs: "type Query { ok: Boolean }",
    resolvers: { Query: { ok: () => true } },
    stopOnTerminationSignals: false,
  });
}
