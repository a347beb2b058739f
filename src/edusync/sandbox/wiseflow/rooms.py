"""Licence rooms and a flow's room bookings with their participants.

FS gives every candidate an oppmøte place (a room); WISEflow models that as a licence room, a
booking of it on the flow, and the participants placed in the booking. Room objects come back
bare (no envelope), bookings in the envelope, as in the spec. Reading a booking's participants
back has no endpoint in WISEflow 1.34.0; the sandbox adds ``GET .../room-bookings/{id}/participants``
so a client can verify what it sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from edusync.sandbox.wiseflow.assessors import ParticipantIds
from edusync.sandbox.wiseflow.envelope import ApiError, ok, paginate
from edusync.sandbox.wiseflow.flows import get_flow
from edusync.sandbox.wiseflow.participants import get_participant
from edusync.sandbox.wiseflow.state import MAX_ROOMS, Flow, Room, RoomBooking, Store


class RoomBody(BaseModel):
    name: str = Field(min_length=1, max_length=250)
    capacity: int = Field(ge=0)
    canBeBooked: bool
    description: str | None = Field(default=None, max_length=250)
    identifier: str | None = Field(default=None, max_length=250)
    building: str | None = Field(default=None, max_length=250)
    address: str | None = Field(default=None, max_length=250)
    campus: str | None = Field(default=None, max_length=250)


class BookingBody(BaseModel):
    roomId: int
    from_: int = Field(alias="from")
    to: int


def room_json(room: Room) -> dict[str, Any]:
    return {
        "id": room.id,
        "name": room.name,
        "description": room.description,
        "identifier": room.identifier,
        "building": room.building,
        "address": room.address,
        "campus": room.campus,
        "capacity": room.capacity,
        "canBeBooked": room.can_be_booked,
    }


def _booking_json(booking: RoomBooking) -> dict[str, Any]:
    return {"roomBookingId": booking.id, "roomId": booking.room_id, "from": booking.start, "to": booking.end}


def _room(store: Store, room_id: int) -> Room:
    room = store.rooms.get(room_id)
    if room is None:
        raise ApiError(404, f"room {room_id} not found", "ROOM_NOT_FOUND")
    return room


def _booking(flow: Flow, booking_id: int) -> RoomBooking:
    booking = flow.room_bookings.get(booking_id)
    if booking is None:
        raise ApiError(404, f"room booking {booking_id} not on flow {flow.id}", "ROOM_BOOKING_NOT_FOUND")
    return booking


def _fill(room: Room, body: RoomBody) -> None:
    room.name, room.capacity, room.can_be_booked = body.name, body.capacity, body.canBeBooked
    room.description, room.identifier, room.building = body.description, body.identifier, body.building
    room.address, room.campus = body.address, body.campus


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.get("/license/rooms")
    async def list_rooms(offset: int = 0, limit: int | None = None) -> JSONResponse:
        page, info = paginate([room_json(r) for r in store.rooms.values()], offset, limit, 50, 100)
        return ok(page, pagination=info)

    @api.post("/license/rooms", status_code=201)
    async def create_room(body: RoomBody) -> dict[str, Any]:
        if len(store.rooms) >= MAX_ROOMS:
            raise ApiError(400, f"a licence has at most {MAX_ROOMS} rooms", "TOO_MANY_ROOMS")
        room = Room(store.next_id("room"), body.name, body.capacity, body.canBeBooked)
        _fill(room, body)
        store.rooms[room.id] = room
        return room_json(room)

    @api.get("/license/rooms/{room_id}")
    async def read_room(room_id: int) -> dict[str, Any]:
        return room_json(_room(store, room_id))

    @api.put("/license/rooms/{room_id}")
    async def update_room(room_id: int, body: RoomBody) -> dict[str, Any]:
        room = _room(store, room_id)
        _fill(room, body)
        return room_json(room)

    @api.delete("/license/rooms/{room_id}", status_code=204)
    async def delete_room(room_id: int) -> Response:
        _room(store, room_id)
        if any(b.room_id == room_id for f in store.flows.values() for b in f.room_bookings.values()):
            raise ApiError(403, "the room is booked on a flow", "ROOM_BOOKED")
        del store.rooms[room_id]
        return Response(status_code=204)

    @api.get("/flows/{flow_id}/room-bookings")
    async def list_bookings(flow_id: int, offset: int = 0, limit: int | None = None) -> JSONResponse:
        flow = get_flow(store, flow_id)
        page, info = paginate([_booking_json(b) for b in flow.room_bookings.values()], offset, limit, 50, 50)
        return ok(page, pagination=info)

    @api.post("/flows/{flow_id}/room-bookings", status_code=201)
    async def book(flow_id: int, body: BookingBody) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        room = _room(store, body.roomId)
        if not room.can_be_booked:
            raise ApiError(403, f"room {room.id} cannot be booked", "ROOM_NOT_BOOKABLE")
        if body.from_ >= body.to:
            raise ApiError(400, "a booking must end after it starts", "INVALID_DATES")
        booking = RoomBooking(store.next_id("other"), room.id, body.from_, body.to)
        flow.room_bookings[booking.id] = booking
        return ok(_booking_json(booking), status=201)

    @api.delete("/flows/{flow_id}/room-bookings/{booking_id}")
    async def unbook(flow_id: int, booking_id: int) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        _booking(flow, booking_id)
        del flow.room_bookings[booking_id]
        return ok()

    @api.put("/flows/{flow_id}/room-bookings/{booking_id}/participants", status_code=201)
    async def place(flow_id: int, booking_id: int, body: ParticipantIds) -> JSONResponse:
        flow = get_flow(store, flow_id, writable=True)
        booking = _booking(flow, booking_id)
        for pid in body.participantIds:
            get_participant(flow, pid)
        chosen = set(body.participantIds)
        for other in flow.room_bookings.values():  # a participant sits in one room only
            other.participant_ids = [p for p in other.participant_ids if p not in chosen]
        booking.participant_ids = list(dict.fromkeys(body.participantIds))
        return ok(status=201)

    @api.get("/flows/{flow_id}/room-bookings/{booking_id}/participants")
    async def placed(flow_id: int, booking_id: int) -> JSONResponse:
        return ok(list(_booking(get_flow(store, flow_id), booking_id).participant_ids))

    return api
