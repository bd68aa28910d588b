# Baseline (c): the original system, for comparison. A minimal FastAPI app written the way the
# tutorial this project started from wrote it (see /work/shared/SEED.md): FastAPI +
# python-jose + python-multipart, HS256 tokens with `sub` and `exp`, users in a dict with
# plain-text passwords, OAuth2PasswordBearer(tokenUrl="token"). Started by
# bench/baselines/fastapi.mjs as `python -m uvicorn fastapi_app:app` (one worker, access log
# on). Only change from the tutorial: the secret comes from JWT_SECRET (the bench fixture),
# not the literal "your-secret-key".
#
# `async def` handlers, as the tutorial most likely had them: it follows FastAPI's own
# security tutorial, whose path operations are all `async def`. Nothing here blocks (a dict
# and an HMAC), so each request runs on the event loop. A plain `def` would send every
# request through AnyIO's thread pool (one thread hop per request), which costs more, not
# less: the `async def` variant is the faster and the more likely of the two.
import os
from datetime import datetime, timedelta

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from pydantic import BaseModel

SECRET_KEY = os.environ["JWT_SECRET"]
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

# username -> password, in plain text, as in the tutorial.
users_db = {}


class User(BaseModel):
    username: str
    password: str


def create_access_token(data: dict, expires_delta: timedelta):
    to_encode = data.copy()
    to_encode.update({"exp": datetime.utcnow() + expires_delta})
    return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)


@app.post("/signup")
async def signup(user: User):
    if user.username in users_db:
        raise HTTPException(status_code=400, detail="Username already exists")
    users_db[user.username] = user.password
    return {"message": "User created successfully"}


@app.post("/token")
async def login(form_data: OAuth2PasswordRequestForm = Depends()):
    password = users_db.get(form_data.username)
    if password is None or password != form_data.password:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
        )
    access_token = create_access_token(
        data={"sub": form_data.username},
        expires_delta=timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    )
    return {"access_token": access_token, "token_type": "bearer"}


@app.get("/protected")
async def protected_route(token: str = Depends(oauth2_scheme)):
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        username = payload.get("sub")
        if username is None or username not in users_db:
            raise HTTPException(status_code=401, detail="Invalid token")
    except JWTError:
        raise HTTPException(status_code=401, detail="Invalid token")
    return {"message": f"Hello {username}! This is a protected route"}
