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
  // TanStack Table returns fresh functions each render by design; React Compiler is not enabled here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter: filter, columnFilters: columnFilters ?? [] },
    onSortingChange: setSorting,
    onGlobalFilterChange: setFilter,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getPaginationRowModel: getPaginationRowModel(),
    initialState: { pagination: { pageSize } },
  });
  if (data.length === 0) return <div className="empty">{empty}</div>;
  return (
    <div className="table-wrap">
      {(filterPlaceholder || toolbar) && (
        <div className="table-tools">
          {filterPlaceholder && (
            <input className="filter" type="search" aria-label={`Filter ${label}`} placeholder={filterPlaceholder} value={filter} onChange={(e) => setFilter(e.target.value)} />
          )}
          {toolbar}
        </div>
      )}
      <div className="scroll-x">
        <table aria-label={label}>
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  return (
                    <th key={h.id} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}>
                      {h.column.getCanSort() ? (
                        <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          <span aria-hidden>{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="muted">
                  Nothing matches the filters.
                </td>
              </tr>
            )}
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
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
