// Diagrams of a compiled bundle: Graphviz DOT and Mermaid, drawn from one diagram model.
//
//   auto d = yishi::exporting::diagram(compiled);          // lanes, nodes, edges, critical path
//   std::string dot = yishi::exporting::to_dot(d);          // `dot -Tsvg` renders it
//   std::string mmd = yishi::exporting::to_mermaid(d);      // Markdown-embeddable flowchart
//
// Departments are swimlanes (DOT clusters, Mermaid subgraphs); intake (综合受理) and issuance
// (统一出件) sit outside them. Serial order is an edge, parallel reviews share a rank.
// Conditional items are dashed and name their situation (情形); pledge items (告知承诺),
// deferrable materials (容缺) and joint inspections (联合踏勘) are written on the item; the
// critical path of the promised limits is drawn bold red. docs/diagrams.md shows examples.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "yishi/compile/compiled_bundle.hpp"

namespace yishi::exporting {

/// One box of the diagram.
struct DiagramNode {
  std::string id;                  ///< `intake`, `issuance` or the item id
  std::vector<std::string> lines;  ///< label lines, the first is the title
  std::int32_t lane = -1;          ///< index into Diagram::lanes; -1 outside every lane
  bool conditional = false;        ///< applies only in some situations
  bool critical = false;           ///< on the critical path
  bool terminal = false;           ///< intake or issuance
};

struct DiagramEdge {
  std::size_t from = 0, to = 0;  ///< indices into Diagram::nodes
  bool critical = false;
};

/// A department that handles at least one item.
struct DiagramLane {
  std::string id;
  std::string name;
};

struct Diagram {
  std::string id;     ///< the bundle id
  std::string title;  ///< the bundle name
  std::vector<DiagramLane> lanes;
  std::vector<DiagramNode> nodes;  ///< in topological order
  std::vector<DiagramEdge> edges;  ///< sorted by (from, to)
  std::int64_t critical_hours = 0; ///< length of the critical path, in working hours
};

/// The diagram of every item of the bundle (situations shown, not decided).
[[nodiscard]] Diagram diagram(const CompiledBundle& compiled);

/// The node's name in DOT and Mermaid: `intake`, `issuance`, or `item_<item id>`.
[[nodiscard]] std::string node_id(const DiagramNode& n);

/// Graphviz DOT, left to right, one cluster per lane. Deterministic.
[[nodiscard]] std::string to_dot(const Diagram& d);
/// A Mermaid `flowchart LR`, one subgraph per lane. Deterministic.
[[nodiscard]] std::string to_mermaid(const Diagram& d);

}  // namespace yishi::exporting
