"use client";

import {
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getPaginationRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type ColumnFiltersState,
  type SortingState,
} from "@tanstack/react-table";
import { useState } from "react";

declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the type parameters must match TanStack's declaration
  interface ColumnMeta<TData, TValue> {
    /** What the column's numbers mean: shown when hovering its header. */
    description?: string;
  }
}

/** A stable empty filter list: a fresh [] each render would make TanStack reset paging in a loop. */
const NO_FILTERS: ColumnFiltersState = [];

/**
 * Every table in FusionLab: sortable headers, an optional text filter, pagination past `pageSize`
 * rows. `toolbar` adds controls next to the text filter (e.g. status and layer selects) that drive
 * `columnFilters`; `empty` shows only when there is no data at all, not when filters hide it all.
 */
export function DataTable<T>({
  data,
  columns,
  empty,
  filterPlaceholder,
  pageSize = 25,
  label,
  toolbar,
  columnFilters,
  initialSorting = [],
}: {
  data: T[];
  columns: ColumnDef<T, unknown>[];
  empty: React.ReactNode;
  filterPlaceholder?: string;
  pageSize?: number;
  label: string;
  toolbar?: React.ReactNode;
  columnFilters?: ColumnFiltersState;
  initialSorting?: SortingState;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [filter, setFilter] = useState("");
  const [pagination, setPagination] = useState({ pageIndex: 0, pageSize });
  // Filters from the parent changed: back to the first page (state derived from props, during render).
  const [seenFilters, setSeenFilters] = useState(columnFilters);
  if (seenFilters !== columnFilters) {
    setSeenFilters(columnFilters);
    setPagination((p) => ({ ...p, pageIndex: 0 }));
  }
  // TanStack Table returns fresh functions each render by design; React Compiler is not enabled here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter: filter, columnFilters: columnFilters ?? NO_FILTERS, pagination },
    onPaginationChange: setPagination,
    onSortingChange: setSorting,
    onGlobalFilterChange: setFilter,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getPaginationRowModel: getPaginationRowModel(),
    // New data from a live refresh must not jump back to page 1 (or loop on it).
    autoResetPageIndex: false,
  });
  if (data.length === 0) return <div className="empty">{empty}</div>;
  const headerText = (id: string) => {
    const h = table.getColumn(id)?.columnDef.header;
    return typeof h === "string" ? h : "";
  };
  // On narrow screens rows become cards and the header row is hidden: sorting moves to a select.
  const sortable = data.length > 3 ? table.getAllLeafColumns().filter((c) => c.getCanSort() && headerText(c.id)) : [];
  const sortValue = sorting[0] ? `${sorting[0].id}:${sorting[0].desc ? "desc" : "asc"}` : "";
  return (
    <div className="table-wrap">
      {(filterPlaceholder || toolbar || sortable.length > 0) && (
        <div className="table-tools">
          {filterPlaceholder && (
            <input
              className="filter"
              type="search"
              aria-label={`Filter ${label}`}
              placeholder={filterPlaceholder}
              value={filter}
              onChange={(e) => {
                setFilter(e.target.value);
                setPagination((p) => ({ ...p, pageIndex: 0 }));
              }}
            />
          )}
          {toolbar}
          {sortable.length > 0 && (
            <label className="inline-label mobile-only">
              Sort
              <select
                value={sortValue}
                onChange={(e) => {
                  const [id, dir] = e.target.value.split(":");
                  setSorting(id ? [{ id, desc: dir === "desc" }] : []);
                }}
              >
                <option value="">as listed</option>
                {sortable.flatMap((c) => [
                  <option key={`${c.id}:asc`} value={`${c.id}:asc`}>
                    {headerText(c.id)} ▲
                  </option>,
                  <option key={`${c.id}:desc`} value={`${c.id}:desc`}>
                    {headerText(c.id)} ▼
                  </option>,
                ])}
              </select>
            </label>
          )}
        </div>
      )}
      <div className="scroll-x">
        {/* Explicit roles: the narrow-screen card layout changes the table's display, not its meaning. */}
        <table aria-label={label} role="table" className="data-table">
          <thead role="rowgroup">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id} role="row">
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  const description = h.column.columnDef.meta?.description;
                  const title = flexRender(h.column.columnDef.header, h.getContext());
                  const heading = description ? (
                    <abbr className="term" title={description}>
                      {title}
                    </abbr>
                  ) : (
                    title
                  );
                  return (
                    <th
                      key={h.id}
                      role="columnheader"
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                    >
                      {h.column.getCanSort() ? (
                        <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                          {heading}
                          <span aria-hidden>{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                        </button>
                      ) : (
                        heading
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody role="rowgroup">
            {table.getRowModel().rows.length === 0 && (
              <tr role="row">
                <td role="cell" colSpan={columns.length} className="muted">
                  Nothing matches the filters.
                </td>
              </tr>
            )}
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} role="row">
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} role="cell" data-label={headerText(cell.column.id)}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.getPageCount() > 1 && (
        <div className="pager">
          <button type="button" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>
            Previous
          </button>
          <span>
            Page {table.getState().pagination.pageIndex + 1} of {table.getPageCount()}
          </span>
          <button type="button" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}
